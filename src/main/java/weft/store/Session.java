package weft.store;

import java.util.List;

/** A conversation and who owns it (the authenticated subject, {@code anonymous} without auth). */
public record Session(String id, String owner, long createdAt, List<StoredMessage> messages) {
    public Session {
        messages = List.copyOf(messages);
    }

    /** The characters of every message: what the history limit counts. */
    public long historyChars() {
        long n = 0;
        for (StoredMessage m : messages) n += m.content().length();
        return n;
    }
}
