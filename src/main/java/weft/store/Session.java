package weft.store;

import java.util.List;

/** A conversation and who owns it (the authenticated subject, {@code anonymous} without auth). */
public record Session(String id, String owner, long createdAt, List<StoredMessage> messages) {
    public Session {
        messages = List.copyOf(messages);
    }
}
