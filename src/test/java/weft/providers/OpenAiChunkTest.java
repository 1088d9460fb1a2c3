package weft.providers;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class OpenAiChunkTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static OpenAiChunk read(String data) throws OpenAiChunk.NotAChunk {
        return OpenAiChunk.read(JSON, data);
    }

    @Test
    void theFirstChoicesContentIsTheText() throws Exception {
        var chunk = read("{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                + "\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\\u006co \\\"x\\\"\"},\"logprobs\":null,\"finish_reason\":null}]}");
        assertEquals("Hello \"x\"", chunk.content());
        assertNull(chunk.finishReason());
        assertNull(chunk.usage());
        assertNull(chunk.error());
    }

    @Test
    void otherChoicesAreNotThisAnswer() throws Exception {
        var chunk = read("{\"choices\":[{\"index\":1,\"delta\":{\"content\":\"no\"},\"finish_reason\":\"stop\"},"
                + "{\"index\":0,\"delta\":{\"content\":\"yes\"}}]}");
        assertEquals("yes", chunk.content());
        assertNull(chunk.finishReason());
    }

    @Test
    void theFinishReasonAndAUsageChunkWithEmptyChoicesAreRead() throws Exception {
        assertEquals("stop", read("{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}").finishReason());
        var usage = read("{\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":34,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":0},\"total_tokens\":46}}").usage();
        assertEquals(new Usage(12, 34, false), usage);
    }

    @Test
    void fieldsWeftDoesNotUseAreSkippedWhateverTheyHold() throws Exception {
        var chunk = read("{\"x\":[1,[2,{\"content\":\"trap\"}],{\"a\":null}],\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,"
                + "\"function\":{\"arguments\":\"{\\\"content\\\":1}\"}}],\"content\":\"ok\"},\"index\":0}],\"y\":true}");
        assertEquals("ok", chunk.content(), "a content field anywhere else is not the answer's text");
    }

    @Test
    void toolCallFragmentsAreReadWithTheirIndexIdNameAndArgumentsAsSent() throws Exception {
        var chunk = read("{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":["
                + "{\"index\":0,\"id\":\"call_a\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}},"
                + "{\"function\":{\"arguments\":\"{\\\"q\\\":\\\"caf\\\\u00\"},\"index\":1}]},\"finish_reason\":null}]}");
        assertNull(chunk.content());
        assertEquals(java.util.List.of(new OpenAiChunk.ToolCallDelta(0, "call_a", "get_weather", ""),
                new OpenAiChunk.ToolCallDelta(1, null, null, "{\"q\":\"caf\\u00")), chunk.toolCalls());
        assertNull(read("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}").toolCalls(), "no calls, no list");
        assertNull(read("{\"choices\":[{\"index\":1,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c\"}]}}]}").toolCalls(),
                "another choice's calls are not this answer's");
    }

    @Test
    void anErrorObjectInTheStreamIsKeptWhole() throws Exception {
        var chunk = read("{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\",\"code\":503}}");
        assertEquals("overloaded", chunk.error().path("message").asText());
        assertEquals(503, chunk.error().path("code").asInt());
        assertNull(read("{\"error\":null,\"choices\":[]}").error());
    }

    @Test
    void dataThatIsNotOneJsonObjectIsRefused() {
        for (String bad : new String[]{"[]", "\"text\"", "{\"choices\":", "{} {}", "{\"a\":1", "nonsense"}) {
            assertThrows(OpenAiChunk.NotAChunk.class, () -> read(bad), bad);
        }
    }
}
