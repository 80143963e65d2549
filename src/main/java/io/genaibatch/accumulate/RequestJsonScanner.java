package io.genaibatch.accumulate;

import io.genaibatch.records.RequestKind;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.BooleanSupplier;

/**
 * A shortcut for {@link RequestJson#check}: recognises, from the request's UTF-8 bytes, the JSON that the check
 * certainly accepts as it is, and says nothing about the rest. Jackson's token loop over a 1 KB request measured as
 * the largest cost of the validate stage; this reads the same bytes with none of a general parser's bookkeeping
 * (strings are skipped eight bytes at a time).
 *
 * <p>It only ever <em>accepts</em>: {@link #acceptsAsIs} is true when the text is one JSON object, valid as the
 * check's parser reads JSON (strict: no comments, no NaN, no leading zeros, no unescaped control characters, no
 * duplicate names in any object), of the request's shape, with no whitespace before or after it and no line
 * break in it, so that the check would return the text itself, with no problem. Anything else, including much that
 * the check accepts (snake_case names, a null where the shape wants a value, deep nesting, escapes in names, a
 * number in another notation where an integer is wanted, line breaks), is false, and the caller runs the check,
 * which gives its outcome and message as before. So no refusal and no message can depend on this class;
 * {@code RequestJsonScannerTest} compares it with the check on many inputs.
 */
final class RequestJsonScanner {
    /** Well under the parser's own limits (1000 levels, 1000-digit numbers, 50,000-byte names): past them, the check. */
    private static final int MAX_DEPTH = 64;

    private static final int MAX_NUMBER_LENGTH = 100;
    private static final int MAX_NAME_LENGTH = 256;
    /** Names remembered at once for the duplicate check, across the open objects. */
    private static final int MAX_NAMES = 256;

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long LOW_SEVEN_BITS = 0x7F7F7F7F7F7F7F7FL;
    private static final long HIGHS = 0x8080808080808080L;

    /** An optional field {@link RequestJson} checks the type of, named in lowerCamelCase; its type's first byte. */
    private record Known(byte[] name, byte type) {}

    private static final Known[] GENERATE_OPTIONAL = known(RequestJson.GENERATE_OPTIONAL);
    private static final Known[] EMBED_OPTIONAL = known(RequestJson.EMBED_OPTIONAL);

    private static final byte[] CONTENTS = ascii("contents");
    private static final byte[] CONTENT = ascii("content");
    private static final byte[] PARTS = ascii("parts");
    private static final byte[] ROLE = ascii("role");

    private final byte[] b;
    private final int end;
    private int pos;
    private int depth;
    /** The names of the open objects, as [start, end) in {@link #b}, innermost last; grown when needed. */
    private int[] nameStarts = new int[8];

    private int[] nameEnds = new int[8];
    private int names;
    /** The last name {@link #field} read, as [nameStart, nameEnd) in {@link #b}. */
    private int nameStart;

    private int nameEnd;

    private RequestJsonScanner(byte[] b, int offset, int length) {
        this.b = b;
        this.pos = offset;
        this.end = offset + length;
    }

    /**
     * Whether {@link RequestJson#check} certainly returns {@code text} itself, with no problem, for the request whose
     * well-formed UTF-8 is {@code utf8[offset, offset + length)}. False says nothing.
     */
    static boolean acceptsAsIs(RequestKind kind, byte[] utf8, int offset, int length) {
        if (utf8 == null || length < 2 || utf8[offset] != '{' || utf8[offset + length - 1] != '}') {
            return false;
        }
        RequestJsonScanner s = new RequestJsonScanner(utf8, offset, length);
        return s.request(kind) && s.pos == s.end;
    }

    /**
     * The root object: a GenerateContentRequest needs a non-empty "contents" array of Contents, an
     * EmbedContentRequest a "content" Content; the other fields as {@link #optional} reads them.
     */
    private boolean request(RequestKind kind) {
        boolean embed = kind == RequestKind.EMBED;
        byte[] required = embed ? CONTENT : CONTENTS;
        Known[] known = embed ? EMBED_OPTIONAL : GENERATE_OPTIONAL;
        int base = openObject();
        if (base < 0) {
            return false;
        }
        boolean found = false;
        if (!isNext('}')) {
            do {
                if (!field(base)) {
                    return false;
                }
                if (nameIs(required)) {
                    if (!(embed ? content() : array(true, this::content))) {
                        return false;
                    }
                    found = true;
                } else if (!optional(known)) {
                    return false;
                }
            } while (comma());
        }
        return closeObject(base) && found;
    }

    /** A Content: an object with a non-empty "parts" array of objects and, if any, a string "role". */
    private boolean content() {
        int base = openObject();
        if (base < 0 || isNext('}')) {
            return false;
        }
        boolean parts = false;
        do {
            if (!field(base)) {
                return false;
            }
            if (nameIs(PARTS)) {
                if (!array(true, () -> isNext('{') && value())) {
                    return false;
                }
                parts = true;
            } else if (nameIs(ROLE)) {
                if ((!isNext('"') && !isNext('n')) || !value()) {
                    return false;
                }
            } else if (!value()) {
                return false;
            }
        } while (comma());
        return closeObject(base) && parts;
    }

    /**
     * The value of a field other than the required one: of its type when it is a known optional field (or null);
     * anything valid otherwise. A snake_case name goes to the check, which maps it to its lowerCamelCase field.
     */
    private boolean optional(Known[] known) {
        for (int i = nameStart; i < nameEnd; i++) {
            if (b[i] == '_') {
                return false;
            }
        }
        for (Known k : known) {
            if (nameIs(k.name())) {
                if (isNext('n')) {
                    return value();
                }
                return switch (k.type()) {
                    case 'o' -> isNext('{') && value();
                    case 'a' -> isNext('[') && value();
                    case 's' -> isNext('"') && value();
                    case 'i' -> number(true);
                    default -> false;
                };
            }
        }
        return value();
    }

    /** Any JSON value. */
    private boolean value() {
        if (pos >= end) {
            return false;
        }
        switch (b[pos]) {
            case '{':
                return object();
            case '[':
                return array(false, this::value);
            case '"':
                pos++;
                return string(true);
            case 't':
                return literal("true");
            case 'f':
                return literal("false");
            case 'n':
                return literal("null");
            default:
                return number(false);
        }
    }

    private boolean object() {
        int base = openObject();
        if (base < 0) {
            return false;
        }
        if (!isNext('}')) {
            do {
                if (!field(base) || !value()) {
                    return false;
                }
            } while (comma());
        }
        return closeObject(base);
    }

    /** An array whose elements {@code element} reads; with {@code nonEmpty}, one with at least one. */
    private boolean array(boolean nonEmpty, BooleanSupplier element) {
        if (!open('[')) {
            return false;
        }
        if (isNext(']')) {
            if (nonEmpty) {
                return false;
            }
        } else {
            do {
                if (!element.getAsBoolean()) {
                    return false;
                }
            } while (comma());
        }
        return close(']');
    }

    /** Opens an object: its names are remembered from the returned index on; -1 when it cannot be read here. */
    private int openObject() {
        return open('{') ? names : -1;
    }

    private boolean closeObject(int base) {
        names = base;
        return close('}');
    }

    private boolean open(char c) {
        if (pos >= end || b[pos] != c || ++depth > MAX_DEPTH) {
            return false;
        }
        pos++;
        whitespace();
        return true;
    }

    private boolean close(char c) {
        if (pos >= end || b[pos] != c) {
            return false;
        }
        pos++;
        depth--;
        whitespace();
        return true;
    }

    /** Whether the next byte is {@code c}; nothing is consumed. */
    private boolean isNext(char c) {
        return pos < end && b[pos] == c;
    }

    /** After a value: a comma (consumed, with the whitespace after it) or not. */
    private boolean comma() {
        whitespace();
        if (pos < end && b[pos] == ',') {
            pos++;
            whitespace();
            return true;
        }
        return false;
    }

    /**
     * A name, its colon and the whitespace before its value; the name must not be one already in this object
     * (names from {@code base} on). Names with an escape go to the check: two spellings of one name are a duplicate.
     */
    private boolean field(int base) {
        if (pos >= end || b[pos] != '"') {
            return false;
        }
        int start = ++pos;
        if (!string(false) || pos - 1 - start > MAX_NAME_LENGTH || names == MAX_NAMES) {
            return false;
        }
        nameStart = start;
        nameEnd = pos - 1;
        for (int i = base; i < names; i++) {
            if (nameEnds[i] - nameStarts[i] == nameEnd - nameStart
                    && Arrays.equals(b, nameStarts[i], nameEnds[i], b, nameStart, nameEnd)) {
                return false;
            }
        }
        if (names == nameStarts.length) {
            nameStarts = Arrays.copyOf(nameStarts, names * 2);
            nameEnds = Arrays.copyOf(nameEnds, names * 2);
        }
        nameStarts[names] = nameStart;
        nameEnds[names] = nameEnd;
        names++;
        whitespace();
        if (pos >= end || b[pos] != ':') {
            return false;
        }
        pos++;
        whitespace();
        return true;
    }

    private boolean nameIs(byte[] name) {
        return nameEnd - nameStart == name.length && Arrays.equals(b, nameStart, nameEnd, name, 0, name.length);
    }

    /**
     * The rest of a string whose opening quote is consumed, up to and including its closing quote. The bytes are
     * well-formed UTF-8 (the caller's promise), so only quotes, backslashes and control characters matter.
     */
    private boolean string(boolean escapes) {
        byte[] b = this.b;
        int end = this.end;
        int p = pos;
        while (true) {
            // Eight bytes at a time while none of them is a quote, a backslash or below 0x20. Each byte is compared on
            // its low seven bits, so no sum carries into the next byte and the flags are exact: the scan jumps to the
            // first one. A byte with its high bit set (in a multi-byte character) is never flagged.
            while (p + 8 <= end) {
                long w = (long) LONGS.get(b, p);
                long low = w & LOW_SEVEN_BITS;
                long plain = (low + 0x6060606060606060L) // high bit set unless below 0x20
                        & ((low ^ 0x2222222222222222L) + LOW_SEVEN_BITS) // unless a quote
                        & ((low ^ 0x5C5C5C5C5C5C5C5CL) + LOW_SEVEN_BITS); // unless a backslash
                long special = ~(plain | w) & HIGHS;
                if (special != 0) {
                    p += Long.numberOfTrailingZeros(special) >>> 3;
                    break;
                }
                p += 8;
            }
            if (p >= end) {
                return false;
            }
            int c = b[p] & 0xFF;
            if (c == '"') {
                pos = p + 1;
                return true;
            }
            if (c < 0x20) {
                return false;
            }
            if (c == '\\') {
                pos = p;
                if (!escapes || !escape()) {
                    return false;
                }
                p = pos;
            } else {
                p++;
            }
        }
    }

    /** One escape sequence at {@link #pos} (its backslash), as JSON defines them. */
    private boolean escape() {
        if (pos + 1 >= end) {
            return false;
        }
        switch (b[pos + 1]) {
            case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> {
                pos += 2;
                return true;
            }
            case 'u' -> {
                if (pos + 6 > end) {
                    return false;
                }
                for (int i = pos + 2; i < pos + 6; i++) {
                    if (Character.digit(b[i], 16) < 0) {
                        return false;
                    }
                }
                pos += 6;
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    private boolean literal(String word) {
        if (end - pos < word.length()) {
            return false;
        }
        for (int i = 0; i < word.length(); i++) {
            if (b[pos + i] != word.charAt(i)) {
                return false;
            }
        }
        pos += word.length();
        return true;
    }

    /**
     * {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?}; with {@code integerOnly}, neither fraction nor
     * exponent (a proto3 integer in its plainest form). Like a literal, it ends at the first byte that cannot continue
     * it: the caller then wants whitespace, a comma or a closing bracket, so {@code 01}, {@code 1.5.3} or
     * {@code truex} are not accepted.
     */
    private boolean number(boolean integerOnly) {
        int start = pos;
        if (pos < end && b[pos] == '-') {
            pos++;
        }
        if (pos >= end || !isDigit(b[pos])) {
            return false;
        }
        if (b[pos] == '0') {
            pos++;
        } else {
            digits();
        }
        if (pos < end && b[pos] == '.') {
            if (integerOnly) {
                return false;
            }
            pos++;
            if (digits() == 0) {
                return false;
            }
        }
        if (pos < end && (b[pos] == 'e' || b[pos] == 'E')) {
            if (integerOnly) {
                return false;
            }
            pos++;
            if (pos < end && (b[pos] == '+' || b[pos] == '-')) {
                pos++;
            }
            if (digits() == 0) {
                return false;
            }
        }
        return pos - start <= MAX_NUMBER_LENGTH;
    }

    private int digits() {
        int start = pos;
        while (pos < end && isDigit(b[pos])) {
            pos++;
        }
        return pos - start;
    }

    private static boolean isDigit(byte c) {
        return c >= '0' && c <= '9';
    }

    /** Spaces and tabs. A line break is left in place, so whatever holds one is not accepted here. */
    private void whitespace() {
        while (pos < end && (b[pos] == ' ' || b[pos] == '\t')) {
            pos++;
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static Known[] known(java.util.Map<String, String> types) {
        return types.entrySet().stream()
                .map(e -> new Known(ascii(e.getKey()), (byte) e.getValue().charAt(0)))
                .toArray(Known[]::new);
    }
}
