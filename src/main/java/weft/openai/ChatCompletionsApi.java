package weft.openai;

import com.fasterxml.jackson.databind.JsonNode;
import weft.events.LoggedEvent;
import weft.http.Json;
import weft.http.JsonBody;
import weft.http.Request;
import weft.http.Router;
import weft.http.RunLocation;
import weft.http.Api;
import weft.http.RunWaiter;
import weft.runs.Runs;
import weft.store.EventLog;
import weft.store.RunRecord;
import weft.workflows.Workflows;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * {@code POST /v1/chat/completions}: OpenAI's Chat Completions, served as a Weft run. The run
 * is like any other (its id is in {@code X-Run-Id}, it can be followed, resumed and cancelled
 * under {@code /v1/runs/{id}}); only its frames are OpenAI's ({@link ChatChunks}).
 */
public final class ChatCompletionsApi {
    private final Runs runs;
    private final Workflows workflows;
    private final ModelNames models;
    private final Api.Serving serving;
    private final EventLog events;

    public ChatCompletionsApi(Runs runs, Workflows workflows, ModelNames models, Api.Serving serving, EventLog events) {
        this.runs = runs;
        this.workflows = workflows;
        this.models = models;
        this.serving = serving;
        this.events = events;
    }

    public List<Router.Route> routes() {
        return List.of(new Router.Route("POST", "/v1/chat/completions", this::create));
    }

    private void create(Request request) throws IOException {
        JsonNode body = JsonBody.read(request.exchange(), serving.maxBodyBytes());
        ChatRequest chat = ChatRequestReader.read(body, models, serving.limits());
        if (chat.stream()) {
            try (var open = serving.stream().open(request.principal())) {
                RunRecord run = runs.start(chat.run(), request.principal(), null).run();
                serving.stream().follow(request.exchange(), open, run, 0, RunLocation.headers(request.exchange(), run),
                        chunks(chat, run));
            }
        } else {
            RunRecord run = runs.start(chat.run(), request.principal(), null).run();
            serving.waiter().answerWhenEnded(request.exchange(), run, ended -> answer(chat, ended));
        }
    }

    private ChatChunks chunks(ChatRequest chat, RunRecord run) {
        Optional<String> answering = workflows.find(run.workflow()).flatMap(w -> w.answerAgent());
        return new ChatChunks(run.id(), run.createdAt(), chat.model(), answering, chat.functions(), chat.includeUsage());
    }

    /** The whole answer, folded from the same chunks a stream would have had, or the run's failure. */
    private RunWaiter.Reply answer(ChatRequest chat, RunRecord ended) throws IOException, InterruptedException {
        ChatChunks chunks = chunks(chat, ended);
        var completion = new ChatCompletion();
        for (LoggedEvent e : events.all(ended.id())) chunks.chunks(e).forEach(completion::add);
        var failure = chunks.failure();
        if (failure.isPresent()) {
            return new RunWaiter.Reply(failure.get().status(), Json.MAPPER.writeValueAsBytes(new OpenAiErrors().body(failure.get())));
        }
        // The non-streamed answer always reports usage, as OpenAI's does.
        var json = completion.json();
        json.set("usage", ChatChunks.usage(ended.usage()));
        return new RunWaiter.Reply(200, Json.MAPPER.writeValueAsBytes(json));
    }

}
