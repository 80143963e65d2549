package io.genaibatch.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Columns aligned for a terminal: two spaces apart, text left-aligned, numbers right-aligned, no trailing blanks.
 * Read by people in a hurry, so every row lines up whatever the length of a batch id.
 */
final class Table {
    private final List<String> headers = new ArrayList<>();
    private final List<Boolean> rightAligned = new ArrayList<>();
    private final List<List<String>> rows = new ArrayList<>();

    Table left(String header) {
        headers.add(header);
        rightAligned.add(false);
        return this;
    }

    Table right(String header) {
        headers.add(header);
        rightAligned.add(true);
        return this;
    }

    Table row(String... cells) {
        if (cells.length != headers.size()) {
            throw new IllegalArgumentException("a row of " + headers.size() + " columns, found " + cells.length);
        }
        List<String> row = new ArrayList<>();
        for (String c : cells) {
            row.add(c == null ? "-" : c);
        }
        rows.add(row);
        return this;
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    /** The header line, then one line per row. */
    List<String> lines() {
        int[] width = new int[headers.size()];
        for (int c = 0; c < width.length; c++) {
            width[c] = headers.get(c).length();
            for (List<String> row : rows) {
                width[c] = Math.max(width[c], row.get(c).length());
            }
        }
        List<String> lines = new ArrayList<>();
        lines.add(line(headers, width));
        rows.forEach(r -> lines.add(line(r, width)));
        return lines;
    }

    private String line(List<String> cells, int[] width) {
        StringBuilder b = new StringBuilder();
        for (int c = 0; c < cells.size(); c++) {
            if (c > 0) {
                b.append("  ");
            }
            String cell = cells.get(c);
            String pad = " ".repeat(width[c] - cell.length());
            b.append(rightAligned.get(c) ? pad + cell : cell + pad);
        }
        return b.toString().stripTrailing();
    }
}
