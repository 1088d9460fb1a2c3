package weft.redis;

import weft.json.Jackson;
import weft.tools.ClientCalls;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.exceptions.JedisException;
import weft.runs.Cancellation;
import weft.runs.Peers;
import weft.store.Ids;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;

/**
 * Instances talking through Redis: each subscribes to its own control channel. A cancel is a
 * request with a reply: the asking instance publishes it with the name of a list, the
 * executing instance stops the run and pushes its answer there, and the asker waits for it
 * with {@code BLPOP}, so the answer (202, or 409 with the status) is the one the executing
 * instance gave. Follower counts are one-way messages.
 */
final class RedisPeers implements Peers, AutoCloseable {
    private static final System.Logger LOG = System.getLogger("weft");
    private static final ObjectMapper JSON = Jackson.mapper();
    private static final int REPLY_SECONDS = 3;

    private final Redis redis;
    private final String instance;
    private final ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
    private volatile Listener listener;
    private volatile JedisPubSub subscription;
    private volatile boolean closed;
    private Thread thread;

    RedisPeers(Redis redis, String instance) {
        this.redis = redis;
        this.instance = instance;
    }

    @Override
    public Cancellation cancel(String owner, String runId, String agent) {
        ObjectNode request = JSON.createObjectNode().put("op", "cancel").put("run", runId);
        if (agent != null) request.put("agent", agent);
        JsonNode a = ask(owner, request);
        if (a == null) return new Cancellation(Cancellation.Outcome.NO_ANSWER, null);
        try {
            return new Cancellation(Cancellation.Outcome.valueOf(a.get("outcome").asText()), a.path("status").asText(null));
        } catch (RuntimeException notAnAnswer) {
            return new Cancellation(Cancellation.Outcome.NO_ANSWER, null);
        }
    }

    @Override
    public ClientCalls.Delivery toolResults(String owner, String runId, List<ClientCalls.Answer> answers) {
        ObjectNode request = JSON.createObjectNode().put("op", "tool_results").put("run", runId);
        var list = request.putArray("results");
        for (ClientCalls.Answer a : answers) {
            ObjectNode r = list.addObject().put("call_id", a.callId());
            if (a.error() != null) r.put("error", a.error());
            else r.set("result", a.result());
        }
        JsonNode answer = ask(owner, request);
        if (answer == null) return new ClientCalls.Delivery(ClientCalls.Outcome.NO_ANSWER, null);
        return new ClientCalls.Delivery(ClientCalls.Outcome.valueOf(answer.get("outcome").asText()), answer.path("call_id").asText(null));
    }

    /** Publishes a request to {@code owner}'s channel and waits for its reply; null when none came. */
    private JsonNode ask(String owner, ObjectNode request) {
        String reply = redis.keys.reply(Ids.newId("q_"));
        request.put("reply", reply);
        long heard = redis.call(c -> c.publish(redis.keys.control(owner), request.toString()));
        if (heard == 0) return null;
        List<String> answer = redis.call(c -> c.blpop(REPLY_SECONDS, reply));
        if (answer == null || answer.size() < 2) return null;
        try {
            JsonNode a = JSON.readTree(answer.get(1));
            return a != null && a.hasNonNull("outcome") ? a : null;
        } catch (IOException | RuntimeException notAnAnswer) {
            return null;
        }
    }

    @Override
    public void followers(String owner, String runId, int change) {
        String message = JSON.createObjectNode().put("op", "followers").put("run", runId).put("change", change).toString();
        try {
            redis.call(c -> c.publish(redis.keys.control(owner), message));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "could not tell " + owner + " about a follower: " + e);
        }
    }

    @Override
    public void listen(Listener listener) {
        this.listener = listener;
        thread = Thread.ofPlatform().daemon().name("weft redis control").start(this::subscribeLoop);
    }

    private void subscribeLoop() {
        long backoff = 50;
        while (!closed) {
            try (Jedis jedis = redis.dedicated()) {
                var sub = new JedisPubSub() {
                    @Override
                    public void onMessage(String channel, String message) {
                        handlers.submit(() -> handle(message));
                    }
                };
                subscription = sub;
                backoff = 50;
                jedis.subscribe(sub, redis.keys.control(instance)); // returns when unsubscribed
            } catch (JedisException e) {
                if (closed) return;
                LOG.log(System.Logger.Level.DEBUG, "control channel lost Redis, retrying: " + redis.scrub(e.getMessage()));
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException interrupted) {
                    return;
                }
                backoff = Math.min(2000, backoff * 2);
            }
        }
    }

    private void handle(String message) {
        try {
            JsonNode m = JSON.readTree(message);
            String run = m.path("run").asText();
            switch (m.path("op").asText()) {
                case "cancel" -> {
                    Cancellation answer = listener.cancel(run, m.path("agent").asText(null));
                    ObjectNode a = JSON.createObjectNode().put("outcome", answer.outcome().name());
                    if (answer.status() != null) a.put("status", answer.status());
                    reply(m, a);
                }
                case "tool_results" -> {
                    var answers = new java.util.ArrayList<ClientCalls.Answer>();
                    for (JsonNode r : m.path("results")) {
                        answers.add(new ClientCalls.Answer(r.path("call_id").asText(), r.has("error") ? null : r.get("result"),
                                r.has("error") ? r.get("error").asText() : null));
                    }
                    ClientCalls.Delivery d = listener.toolResults(run, answers);
                    ObjectNode a = JSON.createObjectNode().put("outcome", d.outcome().name());
                    if (d.callId() != null) a.put("call_id", d.callId());
                    reply(m, a);
                }
                case "followers" -> listener.followers(run, m.path("change").asInt());
                default -> LOG.log(System.Logger.Level.WARNING, "unknown control message: " + message);
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "control message failed: " + message + ": " + e);
        }
    }

    private void reply(JsonNode request, ObjectNode answer) {
        String reply = request.path("reply").asText();
        redis.call(c -> {
            c.lpush(reply, answer.toString());
            c.expire(reply, REPLY_SECONDS * 2L);
            return null;
        });
    }

    @Override
    public void close() {
        closed = true;
        var sub = subscription;
        if (sub != null) {
            try {
                sub.unsubscribe();
            } catch (RuntimeException ignored) {
                // The connection is already gone.
            }
        }
        handlers.shutdownNow();
    }
}
