package weft.workflows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import weft.providers.DemoProvider;
import weft.providers.Providers;
import weft.tools.ServerTools;
import weft.tools.ToolDeclaration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The workflows file: the example loads into the step tree it describes, and every mistake
 * stops loading with a message that names the file, the workflow, the step and the field.
 */
class WorkflowFileTest {
    private static final Path FIXTURES = Path.of("test-fixtures/workflows");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> SERVER_TOOLS = ServerTools.builtIn(java.time.Clock.systemUTC()).names();
    private final Providers providers = new Providers(List.of(new DemoProvider(Duration.ZERO, 0)), null);

    @TempDir
    Path dir;

    // ---- what loads ----

    @Test
    void theExampleLoadsIntoItsStepTree() {
        List<Workflow> workflows = WorkflowFile.load(FIXTURES.resolve("example.json"), providers, SERVER_TOOLS);
        assertEquals(List.of("review", "compare", "fact-check"), workflows.stream().map(Workflow::name).toList());

        var review = (Step.Sequential) workflows.get(0).root();
        var writer = (Step.Agent) review.steps().get(0);
        assertEquals("draft", writer.outputKey());
        assertEquals(Duration.ofSeconds(60), writer.timeout());
        assertEquals(400, writer.maxTokens());
        assertNull(writer.provider(), "left to the run");
        var polish = (Step.Loop) review.steps().get(1);
        assertEquals(3, polish.maxIterations());
        assertEquals("APPROVED", polish.untilText());
        assertEquals(List.of("critic", "editor"), polish.steps().stream().map(Step::name).toList());
        assertTrue(((Step.Agent) polish.steps().get(0)).instruction().contains("{draft}"));

        var compare = (Step.Sequential) workflows.get(1).root();
        var views = (Step.Parallel) compare.steps().get(0);
        assertEquals(Step.FailurePolicy.BEST_EFFORT, views.onFailure());
        assertEquals(List.of("optimist", "skeptic"), views.steps().stream().map(Step::name).toList());
        assertEquals("summarizer", compare.steps().get(1).name());

        var factCheck = workflows.get(2);
        assertEquals(List.of(new ToolDeclaration.Agent("fact_checker"), new ToolDeclaration.Server("calculator")),
                ((Step.Agent) factCheck.root()).tools());
        var checker = factCheck.toolAgent("fact_checker").orElseThrow();
        assertEquals(Duration.ofSeconds(60), checker.timeout());
        assertEquals(List.of(), checker.tools());
    }

    // ---- tools and tool agents ----

    @Test
    void anAgentsToolsAreServerToolsByNameAndToolAgentsByObject() throws IOException {
        Workflow w = load(file("""
                {"workflows": [{"name": "w", "root": {"type": "sequential", "name": "main", "steps": [
                  {"type": "agent", "name": "a", "instruction": "hi", "tools": ["clock", {"agent": "helper"}]},
                  {"type": "plan", "name": "planner", "instruction": "plan", "output_key": "plan", "tools": ["documents"]},
                  {"type": "fan_out", "name": "many", "over": "plan", "output_key": "notes",
                   "agent": {"name": "worker", "instruction": "Do {item}", "tools": ["calculator"]}}]},
                 "tool_agents": [{"name": "helper", "instruction": "Help with {input}", "tools": [{"agent": "expert"}]},
                                 {"name": "expert", "instruction": "Know things", "tools": ["calculator"]}]}]}""")).getFirst();
        var steps = ((Step.Sequential) w.root()).steps();
        assertEquals(List.of(new ToolDeclaration.Server("clock"), new ToolDeclaration.Agent("helper")),
                ((Step.Agent) steps.get(0)).tools());
        assertEquals(List.of(new ToolDeclaration.Server("documents")), ((Step.Plan) steps.get(1)).agent().tools());
        assertEquals(List.of(new ToolDeclaration.Server("calculator")), ((Step.FanOut) steps.get(2)).template().tools());
        assertEquals(List.of("helper", "expert"), w.toolAgents().stream().map(Step.Agent::name).toList());
        assertEquals(List.of(new ToolDeclaration.Agent("expert")), w.toolAgent("helper").orElseThrow().tools());
    }

    @Test
    void anUnknownServerToolListsTheServerTools() {
        assertNames(failure(one("{\"type\": \"agent\", \"name\": \"a\", \"instruction\": \"hi\", \"tools\": [\"calculater\"]}")),
                "workflow 'w'", "step 'a'", "'tools'", "\"calculater\"", "not a server tool", "calculator, clock, documents");
    }

    @Test
    void aToolAgentThatIsNotDeclaredIsAMistake() {
        assertNames(failure(one("{\"type\": \"agent\", \"name\": \"a\", \"instruction\": \"hi\", \"tools\": [{\"agent\": \"ghost\"}]}")),
                "step 'a'", "'tools'", "agent 'ghost'", "not one of this workflow's tool_agents", "add it to \"tool_agents\"");
    }

    @Test
    void aToolNamedTwiceIsAMistake() {
        assertNames(failure(one("{\"type\": \"agent\", \"name\": \"a\", \"instruction\": \"hi\", \"tools\": [\"clock\", \"clock\"]}")),
                "step 'a'", "'tools'", "'clock' twice");
    }

    @Test
    void aFunctionToolOrAnythingElseInToolsIsRefusedWithWhatToWrite() {
        assertNames(failure(one("{\"type\": \"agent\", \"name\": \"a\", \"instruction\": \"hi\", \"tools\": "
                        + "[{\"type\": \"function\", \"name\": \"f\"}]}")),
                "step 'a'", "'tools[0]'", "declared by the client that runs it");
        assertNames(failure(one("{\"type\": \"agent\", \"name\": \"a\", \"instruction\": \"hi\", \"tools\": [\"clock\", 7]}")),
                "step 'a'", "'tools[1]'", "is 7", "{\"agent\": \"fact_checker\"}");
        assertNames(failure(one("{\"type\": \"agent\", \"name\": \"a\", \"instruction\": \"hi\", \"tools\": \"clock\"}")),
                "step 'a'", "'tools' must be a JSON array");
    }

    @Test
    void aToolAgentHasNoTypeNoOutputKeyAndANameOfItsOwn() {
        String agent = "{\"type\": \"agent\", \"name\": \"a\", \"instruction\": \"hi\", \"tools\": [{\"agent\": \"helper\"}]}";
        assertNames(failure(withToolAgents(agent, "{\"name\": \"helper\", \"instruction\": \"x\", \"output_key\": \"k\"}")),
                "workflow 'w'", "'output_key'", "its text is the result");
        assertNames(failure(withToolAgents(agent, "{\"type\": \"agent\", \"name\": \"helper\", \"instruction\": \"x\"}")),
                "'type'", "always an agent");
        assertNames(failure(withToolAgents(agent, "{\"name\": \"helper\", \"instruction\": \"x\", \"tols\": []}")),
                "unknown field 'tols'", "did you mean \"tools\"");
        assertNames(failure(withToolAgents(agent.replace("helper", "a"), "{\"name\": \"a\", \"instruction\": \"x\"}")),
                "tool agent 'a'", "'name'", "used by another step");
    }

    @Test
    void aToolAgentReadsOnlyTheInput() {
        String root = sequential("{\"type\": \"agent\", \"name\": \"writer\", \"instruction\": \"hi\", \"output_key\": \"draft\"}",
                "{\"type\": \"agent\", \"name\": \"a\", \"instruction\": \"hi\", \"tools\": [{\"agent\": \"helper\"}]}");
        assertNames(failure(withToolAgents(root, "{\"name\": \"helper\", \"instruction\": \"Check {draft}\"}")),
                "tool agent 'helper'", "'instruction' reads {draft}", "reads only {input}");
        load(withToolAgents(root, "{\"name\": \"helper\", \"instruction\": \"About {input}\"}"));
    }

    @Test
    void toolAgentsThatCallEachOtherInACircleAreRefused() {
        String agent = "{\"type\": \"agent\", \"name\": \"a\", \"instruction\": \"hi\", \"tools\": [{\"agent\": \"ping\"}]}";
        assertNames(failure(withToolAgents(agent,
                        "{\"name\": \"ping\", \"instruction\": \"x\", \"tools\": [{\"agent\": \"pong\"}]}",
                        "{\"name\": \"pong\", \"instruction\": \"x\", \"tools\": [\"clock\", {\"agent\": \"ping\"}]}")),
                "tool agent 'ping'", "'tools'", "call itself (ping → pong → ping)");
        assertNames(failure(withToolAgents(agent, "{\"name\": \"ping\", \"instruction\": \"x\", \"tools\": [{\"agent\": \"ping\"}]}")),
                "call itself (ping → ping)");
    }

    @Test
    void planAndFanOutLoadWithTheirDefaults() throws IOException {
        List<Workflow> loaded = load(file("""
                {"workflows": [{"name": "digest", "root": {"type": "sequential", "name": "digest", "steps": [
                  {"type": "plan", "name": "planner", "instruction": "JSON only: {\\"subtopics\\": [...]}", "output_key": "plan"},
                  {"type": "fan_out", "name": "researchers", "over": "plan", "output_key": "notes",
                   "agent": {"name": "researcher", "instruction": "Research {item} for {input}", "timeout": "2m"}},
                  {"type": "parallel", "name": "finish", "steps": [
                    {"type": "agent", "name": "writer", "instruction": "Write from {notes}"}]}
                ]}}]}"""));
        var steps = ((Step.Sequential) loaded.getFirst().root()).steps();
        var plan = (Step.Plan) steps.get(0);
        assertEquals(2, plan.min());
        assertEquals(5, plan.max());
        var fan = (Step.FanOut) steps.get(1);
        assertEquals(Step.FailurePolicy.BEST_EFFORT, fan.onFailure());
        assertEquals(Duration.ofMinutes(2), fan.template().timeout());
        assertEquals(Step.FailurePolicy.ALL, ((Step.Parallel) steps.get(2)).onFailure());
        assertEquals("", loaded.getFirst().description());
    }

    @Test
    void aDescribedWorkflowLoadsBackUnchanged() throws IOException {
        List<Workflow> original = WorkflowFile.load(FIXTURES.resolve("example.json"), providers, SERVER_TOOLS);
        var file = JSON.createObjectNode();
        var list = file.putArray("workflows");
        for (Workflow w : original) {
            ObjectNode described = WorkflowJson.describe(w);
            described.remove("agents"); // derived from the tree, not part of the file format
            list.add(described);
        }
        Path copy = dir.resolve("described.json");
        Files.writeString(copy, JSON.writeValueAsString(file));
        assertEquals(original, WorkflowFile.load(copy, providers, SERVER_TOOLS));
    }

    @Test
    void describeListsAgentsInExecutionOrder() {
        List<Workflow> example = WorkflowFile.load(FIXTURES.resolve("example.json"), providers, SERVER_TOOLS);
        assertEquals("[\"writer\",\"critic\",\"editor\"]", WorkflowJson.describe(example.get(0)).get("agents").toString());
        ObjectNode research = WorkflowJson.describe(Workflows.research());
        assertEquals("[\"planner\",\"researcher-*\",\"synthesizer\"]", research.get("agents").toString());
        var fanOut = research.get("root").get("steps").get(1);
        assertEquals("fan_out", fanOut.get("type").asText());
        assertEquals("best_effort", fanOut.get("on_failure").asText());
        assertEquals("3m", fanOut.get("agent").get("timeout").asText());
        assertTrue(fanOut.get("agent").get("type") == null, "a fan_out's agent has no type in the file format");
    }

    @Test
    void theBuiltInWorkflowsPassTheCheck() {
        WorkflowCheck.check(Workflows.chat(), providers, SERVER_TOOLS);
        WorkflowCheck.check(Workflows.research(), providers, SERVER_TOOLS);
        new Workflows(List.of()).all().forEach(w -> WorkflowCheck.check(w, providers, SERVER_TOOLS));
    }

    // ---- the file's shape ----

    @Test
    void anUnknownFieldIsAMistakeNotIgnored() {
        String message = failure(FIXTURES.resolve("bad-unknown-field.json"));
        assertNames(message, "bad-unknown-field.json", "workflow 'review'", "step 'writer'", "'output_kye'");
        assertTrue(message.contains("did you mean \"output_key\""), message);
        assertNames(failure(file("{\"workflows\": [], \"version\": 1}")), "workflows.json", "'version'");
        assertNames(failure(file("{\"workflows\": [{\"name\": \"w\", \"descripton\": \"x\", \"root\": " + AGENT + "}]}")),
                "workflows.json", "workflow 'w'", "'descripton'", "did you mean \"description\"");
    }

    @Test
    void anUnknownTypeListsTheTypes() {
        assertNames(failure(one("{\"type\": \"agnet\", \"name\": \"writer\", \"instruction\": \"hi\"}")),
                "workflows.json", "workflow 'w'", "step 'writer'", "'type'", "\"agnet\"", "did you mean \"agent\"",
                "agent, sequential, parallel, loop, plan, fan_out");
    }

    @Test
    void aStepWithoutANameIsNamedByWhereItIs() {
        assertNames(failure(one(sequential("{\"type\": \"agent\", \"name\": \"a\", \"instruction\": \"hi\"}",
                        "{\"type\": \"agent\", \"instruction\": \"hi\"}"))),
                "workflows.json", "workflow 'w'", "step 2 of 'main'", "'name' is required");
    }

    @Test
    void aBadStepNameSaysWhatANameLooksLike() {
        assertNames(failure(one("{\"type\": \"agent\", \"name\": \"Writer One\", \"instruction\": \"hi\"}")),
                "workflows.json", "workflow 'w'", "step 'Writer One'", "'name'", "lowercase");
    }

    @Test
    void stepNamesAreUniqueInTheirWorkflow() {
        assertNames(failure(one(sequential(
                        "{\"type\": \"agent\", \"name\": \"writer\", \"instruction\": \"hi\"}",
                        "{\"type\": \"loop\", \"name\": \"again\", \"max_iterations\": 2, \"steps\": ["
                                + "{\"type\": \"agent\", \"name\": \"writer\", \"instruction\": \"hi\"}]}"))),
                "workflows.json", "workflow 'w'", "step 'writer'", "'name'", "unique");
    }

    @Test
    void theNamesOfFanOutCopiesAreReserved() {
        assertNames(failure(one(sequential(PLAN, FAN_OUT,
                        "{\"type\": \"agent\", \"name\": \"researcher-2\", \"instruction\": \"{notes}\"}"))),
                "workflows.json", "workflow 'w'", "step 'researcher-2'", "'name'", "fan_out step 'researchers'");
    }

    @Test
    void anAgentNeedsAnInstruction() {
        assertNames(failure(one("{\"type\": \"agent\", \"name\": \"writer\"}")),
                "workflows.json", "workflow 'w'", "step 'writer'", "'instruction' is required");
        assertNames(failure(one("{\"type\": \"agent\", \"name\": \"writer\", \"instruction\": \"  \"}")),
                "workflows.json", "step 'writer'", "'instruction' is empty");
    }

    @Test
    void anUnavailableProviderNamesTheVariableToSet() {
        assertNames(failure(FIXTURES.resolve("bad-provider.json")), "bad-provider.json", "workflow 'ask-openai'",
                "step 'assistant'", "'provider'", "OPENAI_API_KEY");
        assertNames(failure(one("{\"type\": \"agent\", \"name\": \"a\", \"instruction\": \"hi\", \"provider\": \"mistral\"}")),
                "workflows.json", "step 'a'", "'provider'", "unknown provider 'mistral'", "demo");
    }

    @Test
    void aBadDurationShowsTheFormat() {
        assertNames(failure(one("{\"type\": \"agent\", \"name\": \"a\", \"instruction\": \"hi\", \"timeout\": \"60 seconds\"}")),
                "workflows.json", "workflow 'w'", "step 'a'", "'timeout'", "\"60 seconds\"", "250ms, 30s, 15m or 1h");
        assertNames(failure(one("{\"type\": \"agent\", \"name\": \"a\", \"instruction\": \"hi\", \"timeout\": \"0s\"}")),
                "step 'a'", "'timeout'", "positive");
    }

    @Test
    void numbersMustBeWholeAndInRange() {
        assertNames(failure(one("{\"type\": \"agent\", \"name\": \"a\", \"instruction\": \"hi\", \"max_tokens\": \"300\"}")),
                "workflows.json", "step 'a'", "'max_tokens'", "whole number");
        assertNames(failure(one("{\"type\": \"agent\", \"name\": \"a\", \"instruction\": \"hi\", \"max_tokens\": 0}")),
                "workflows.json", "step 'a'", "'max_tokens'", "1 or more");
    }

    @Test
    void aLoopRunsOneToAHundredTimes() {
        String loop = "{\"type\": \"loop\", \"name\": \"again\", \"max_iterations\": %s, \"steps\": [" + AGENT + "]}";
        assertNames(failure(one(loop.formatted("0"))),
                "workflows.json", "workflow 'w'", "step 'again'", "'max_iterations' is 0", "1 to 100");
        assertNames(failure(one(loop.formatted("101"))), "step 'again'", "'max_iterations' is 101");
        assertNames(failure(one("{\"type\": \"loop\", \"name\": \"again\", \"steps\": [" + AGENT + "]}")),
                "step 'again'", "'max_iterations' is required");
        assertNames(failure(one("{\"type\": \"loop\", \"name\": \"again\", \"max_iterations\": 2, \"until_text\": \"\", "
                        + "\"steps\": [" + AGENT + "]}")), "step 'again'", "'until_text' is empty");
    }

    @Test
    void containersNeedSteps() {
        assertNames(failure(one("{\"type\": \"parallel\", \"name\": \"views\", \"steps\": []}")),
                "workflows.json", "workflow 'w'", "step 'views'", "'steps' is empty");
        assertNames(failure(one("{\"type\": \"sequential\", \"name\": \"main\"}")), "step 'main'", "'steps' is required");
        assertNames(failure(one("{\"type\": \"parallel\", \"name\": \"views\", \"on_failure\": \"some\", \"steps\": ["
                + AGENT + "]}")), "step 'views'", "'on_failure' is \"some\"", "all", "best_effort");
    }

    @Test
    void aPlanHasMinToMaxItems() {
        assertNames(failure(one("{\"type\": \"plan\", \"name\": \"planner\", \"instruction\": \"plan\", "
                        + "\"output_key\": \"plan\", \"min\": 4, \"max\": 3}")),
                "workflows.json", "workflow 'w'", "step 'planner'", "'max' is 3 but 'min' is 4");
        assertNames(failure(one("{\"type\": \"plan\", \"name\": \"planner\", \"instruction\": \"plan\", \"max\": 21, "
                        + "\"output_key\": \"plan\"}")), "step 'planner'", "'max' is 21");
        assertNames(failure(one("{\"type\": \"plan\", \"name\": \"planner\", \"instruction\": \"plan\"}")),
                "step 'planner'", "'output_key' is required");
    }

    @Test
    void aFanOutGoesOverTheKeyOfAnEarlierPlan() {
        assertNames(failure(one(sequential(FAN_OUT))),
                "workflows.json", "workflow 'w'", "step 'researchers'", "'over' is \"plan\"", "no earlier plan step");
        assertNames(failure(one(sequential("{\"type\": \"agent\", \"name\": \"lister\", \"instruction\": \"list\", "
                        + "\"output_key\": \"plan\"}", FAN_OUT))),
                "step 'researchers'", "'over'", "'lister' sets, but it is not a plan step");
        assertNames(failure(one(sequential(FAN_OUT, PLAN))), "step 'researchers'", "'over'", "no earlier plan step");
    }

    @Test
    void aFanOutsAgentHasNoTypeAndNoOutputKey() {
        String withType = FAN_OUT.replace("\"name\": \"researcher\"", "\"type\": \"agent\", \"name\": \"researcher\"");
        assertNames(failure(one(sequential(PLAN, withType))),
                "workflows.json", "workflow 'w'", "step 'researcher'", "'type' is not used");
        String withKey = FAN_OUT.replace("\"name\": \"researcher\"", "\"output_key\": \"x\", \"name\": \"researcher\"");
        assertNames(failure(one(sequential(PLAN, withKey))), "step 'researcher'", "'output_key' cannot be set",
                "'researchers'");
    }

    // ---- placeholders: a key exists only once an earlier step has set it ----

    @Test
    void aKeyReadBeforeItIsSetInASequence() {
        String message = failure(FIXTURES.resolve("bad-placeholder.json"));
        assertNames(message, "bad-placeholder.json", "workflow 'review'", "step 'critic'", "'instruction' reads {draft}",
                "'writer' runs after this step");
        assertNames(failure(one(sequential("{\"type\": \"agent\", \"name\": \"critic\", \"instruction\": \"{draft}\"}"))),
                "workflows.json", "workflow 'w'", "step 'critic'",
                "'instruction' reads {draft}, which no earlier step sets; set \"output_key\": \"draft\" on a step before it");
    }

    @Test
    void parallelSiblingsCannotReadEachOthersKeys() {
        assertNames(failure(one("""
                        {"type": "parallel", "name": "views", "steps": [
                          {"type": "agent", "name": "optimist", "instruction": "For.", "output_key": "pro"},
                          {"type": "agent", "name": "skeptic", "instruction": "Against {pro}."}]}""")),
                "workflows.json", "workflow 'w'", "step 'skeptic'", "'instruction' reads {pro}",
                "runs at the same time, in parallel step 'views'");
    }

    @Test
    void aLoopBodyCannotReadAKeySetLaterInTheBodyInTheFirstIteration() {
        String loop = """
                {"type": "loop", "name": "polish", "max_iterations": 3, "steps": [
                  {"type": "agent", "name": "editor", "instruction": "Improve {draft} using {review}", "output_key": "draft"},
                  {"type": "agent", "name": "critic", "instruction": "Review {draft}", "output_key": "review"}]}""";
        String writer = "{\"type\": \"agent\", \"name\": \"writer\", \"instruction\": \"Write\", \"output_key\": \"draft\"}";
        assertNames(failure(one(sequential(writer, loop))),
                "workflows.json", "workflow 'w'", "step 'editor'", "'instruction' reads {review}",
                "'critic' sets later in loop 'polish'", "first iteration");
        // Set before the loop too, it exists from the first iteration on.
        load(one(sequential("{\"type\": \"agent\", \"name\": \"first\", \"instruction\": \"Hi\", \"output_key\": \"review\"}",
                writer, loop)));
        // An agent reading its own key (set only by itself) has nothing in the first iteration either.
        assertNames(failure(one(sequential("{\"type\": \"loop\", \"name\": \"again\", \"max_iterations\": 2, \"steps\": ["
                        + "{\"type\": \"agent\", \"name\": \"self\", \"instruction\": \"{mine}\", \"output_key\": \"mine\"}]}"))),
                "step 'self'", "reads {mine}, which only this step sets");
    }

    @Test
    void aLoopThatCanStopEarlyOnlyGuaranteesItsFirstStepsKeys() {
        String loop = """
                {"type": "loop", "name": "polish", "max_iterations": 3, "until_text": "APPROVED", "steps": [
                  {"type": "agent", "name": "critic", "instruction": "Review {input}", "output_key": "review"},
                  {"type": "agent", "name": "editor", "instruction": "Edit using {review}", "output_key": "final"}]}""";
        assertNames(failure(one(sequential(loop, "{\"type\": \"agent\", \"name\": \"after\", \"instruction\": \"{final}\"}"))),
                "workflows.json", "step 'after'", "reads {final}", "'editor' may not have run",
                "loop 'polish' stops as soon as a step writes \"APPROVED\"");
        load(one(sequential(loop, "{\"type\": \"agent\", \"name\": \"after\", \"instruction\": \"{review}\"}")));
    }

    @Test
    void onlyAFanOutsAgentReadsItem() {
        assertNames(failure(one("{\"type\": \"agent\", \"name\": \"a\", \"instruction\": \"Do {item}\"}")),
                "workflows.json", "step 'a'", "'instruction' reads {item}", "fan_out");
    }

    @Test
    void anOutputKeyIsAnIdentifierThatIsNotInput() {
        assertNames(failure(one("{\"type\": \"agent\", \"name\": \"a\", \"instruction\": \"hi\", \"output_key\": \"first draft\"}")),
                "workflows.json", "step 'a'", "'output_key' is \"first draft\"", "{first_draft}");
        assertNames(failure(one("{\"type\": \"agent\", \"name\": \"a\", \"instruction\": \"hi\", \"output_key\": \"input\"}")),
                "step 'a'", "'output_key' is \"input\"", "user's message");
    }

    // ---- the workflows ----

    @Test
    void workflowNamesAreUniqueInTheFile() {
        assertNames(failure(file("{\"workflows\": [{\"name\": \"w\", \"root\": " + AGENT + "}, "
                        + "{\"name\": \"w\", \"root\": " + AGENT + "}]}")),
                "workflows.json", "workflow 'w'", "'name'", "workflows[0]", "unique");
    }

    @Test
    void aWorkflowCannotTakeABuiltInName() {
        assertNames(failure(file("{\"workflows\": [{\"name\": \"chat\", \"root\": " + AGENT + "}]}")),
                "workflows.json", "workflow 'chat'", "'name'", "built-in", "choose another name");
        assertNames(failure(file("{\"workflows\": [{\"name\": \"research\", \"root\": " + AGENT + "}]}")),
                "workflow 'research'", "built-in");
    }

    @Test
    void theFileItselfMustBeReadableJsonOfTheRightShape() {
        assertNames(failure(FIXTURES.resolve("bad-json.json")), "bad-json.json", "not valid JSON", "line 3");
        assertNames(failure(dir.resolve("missing.json")), "missing.json", "no such file", "WEFT_WORKFLOWS");
        assertNames(failure(file("[]")), "workflows.json", "{\"workflows\": [");
        assertNames(failure(file("{}")), "workflows.json", "'workflows' is required");
        assertNames(failure(file("{\"workflows\": [{\"name\": \"w\"}]}")), "workflow 'w'", "'root' is required");
        assertNames(failure(file("{\"workflows\": [{\"name\": \"w\", \"root\": " + AGENT + ", \"root\": " + AGENT + "}]}")),
                "workflows.json", "not valid JSON", "root");
    }

    // ---- helpers ----

    private static final String AGENT = "{\"type\": \"agent\", \"name\": \"solo\", \"instruction\": \"hi\"}";
    private static final String PLAN = "{\"type\": \"plan\", \"name\": \"planner\", \"instruction\": \"plan\", \"output_key\": \"plan\"}";
    private static final String FAN_OUT = "{\"type\": \"fan_out\", \"name\": \"researchers\", \"over\": \"plan\", "
            + "\"output_key\": \"notes\", \"agent\": {\"name\": \"researcher\", \"instruction\": \"Research {item}\"}}";

    private static String sequential(String... steps) {
        return "{\"type\": \"sequential\", \"name\": \"main\", \"steps\": [" + String.join(", ", steps) + "]}";
    }

    /** A file with one workflow, {@code w}, whose root is {@code root}. */
    private Path one(String root) {
        return file("{\"workflows\": [{\"name\": \"w\", \"description\": \"test\", \"root\": " + root + "}]}");
    }

    /** A file with one workflow, {@code w}, whose root is {@code root}, with these tool agents. */
    private Path withToolAgents(String root, String... agents) {
        return file("{\"workflows\": [{\"name\": \"w\", \"root\": " + root + ", \"tool_agents\": ["
                + String.join(", ", agents) + "]}]}");
    }

    private Path file(String json) {
        try {
            return Files.writeString(dir.resolve("workflows.json"), json);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private List<Workflow> load(Path file) {
        return WorkflowFile.load(file, providers, SERVER_TOOLS);
    }

    private String failure(Path file) {
        return assertThrows(IllegalArgumentException.class, () -> load(file)).getMessage();
    }

    private static void assertNames(String message, String... parts) {
        for (String part : parts) assertTrue(message.contains(part), "expected \"" + part + "\" in: " + message);
    }
}
