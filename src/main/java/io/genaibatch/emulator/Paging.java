package io.genaibatch.emulator;

import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;

/**
 * List paging over a map keyed by creation sequence, newest first. The page token is the sequence of the
 * next entry to return, so it stays valid while entries are added or deleted between pages.
 */
final class Paging {
    static final int MAX_PAGE_SIZE = 1000;

    record Page<T>(List<T> items, String nextPageToken) {}

    private Paging() {}

    static int pageSize(String raw, int defaultSize, int maxSize) {
        if (raw == null || raw.isEmpty()) {
            return defaultSize;
        }
        int n;
        try {
            n = Integer.parseInt(raw);
        } catch (NumberFormatException e) {
            throw ErrorAnswer.invalidArgument("pageSize must be an integer, found '" + raw + "'");
        }
        if (n < 0) {
            throw ErrorAnswer.invalidArgument("pageSize must not be negative, found " + n);
        }
        return n == 0 ? defaultSize : Math.min(n, maxSize);
    }

    static <T> Page<T> page(NavigableMap<Long, T> bySeq, int pageSize, String pageToken) {
        NavigableMap<Long, T> view = bySeq.descendingMap();
        if (pageToken != null && !pageToken.isEmpty()) {
            long from;
            try {
                from = Long.parseLong(pageToken);
            } catch (NumberFormatException e) {
                throw ErrorAnswer.invalidArgument("Invalid page token '" + pageToken
                        + "': use the nextPageToken of the previous page as it was answered.");
            }
            view = view.tailMap(from, true);
        }
        List<T> items = new ArrayList<>(Math.min(pageSize, 64));
        String next = null;
        for (var e : view.entrySet()) {
            if (items.size() == pageSize) {
                next = Long.toString(e.getKey());
                break;
            }
            items.add(e.getValue());
        }
        return new Page<>(items, next);
    }
}
