package io.genaibatch.emulator;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Deterministic pseudo-random numbers from names instead of from a shared generator, so that a fault
 * decided for one key does not depend on which thread asked first or in which order.
 */
final class Hashing {
    private Hashing() {}

    /** SplitMix64 finaliser: a good 64-bit mix of one long. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    static long hash(long seed, String... parts) {
        long h = mix(seed ^ 0x9e3779b97f4a7c15L);
        for (String part : parts) {
            h = mix(h ^ sha64(part));
        }
        return h;
    }

    /** A number in [0, 1) derived from the seed and the parts. */
    static double unit(long seed, String... parts) {
        return (hash(seed, parts) >>> 11) * 0x1.0p-53;
    }

    static long sha64(String text) {
        byte[] d = sha256().digest(text.getBytes(StandardCharsets.UTF_8));
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (d[i] & 0xff);
        }
        return v;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** A lower-case alphanumeric id of the given length, as the real service's ids look. */
    static String id(long value, int length) {
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder sb = new StringBuilder(length);
        long v = value;
        for (int i = 0; i < length; i++) {
            if (i % 12 == 0) {
                // Each block of 12 characters from a fresh mix of the value: what is left of v after 12 divisions
                // by 36 is 0..3, which would give ids longer than 12 characters only four possible tails.
                v = mix(value + i);
            }
            sb.append(alphabet.charAt((int) Long.remainderUnsigned(v, alphabet.length())));
            v = Long.divideUnsigned(v, alphabet.length());
        }
        // The first character is a letter, so an id never looks like a number.
        sb.setCharAt(0, alphabet.charAt((int) Long.remainderUnsigned(value, 26)));
        return sb.toString();
    }
}
