package weft.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClockTest {
    private static final ToolContext CONTEXT = new ToolContext("agent", "call-1", List.of(), _ -> {});

    private static JsonNode at(String instant, String timezone) throws Exception {
        var tool = new Clock(java.time.Clock.fixed(Instant.parse(instant), ZoneOffset.UTC));
        var arguments = JsonNodeFactory.instance.objectNode();
        if (timezone != null) arguments.put("timezone", timezone);
        return tool.call(arguments, CONTEXT);
    }

    @Test
    void givesTheTimeInANamedZoneToTheSecond() throws Exception {
        JsonNode now = at("2025-01-15T09:30:00.123456789Z", "Asia/Tokyo");
        assertEquals("Asia/Tokyo", now.get("timezone").asText());
        assertEquals("2025-01-15T18:30:00+09:00", now.get("iso").asText());
        assertEquals("Wednesday", now.get("weekday").asText());
        assertEquals("+09:00", now.get("utc_offset").asText());
    }

    @Test
    void theWeekdayIsTheZonesNotUtcs() throws Exception {
        assertEquals("Tuesday", at("2025-01-15T03:00:00Z", "America/Los_Angeles").get("weekday").asText());
        assertEquals("Wednesday", at("2025-01-15T03:00:00Z", "UTC").get("weekday").asText());
    }

    @Test
    void withoutATimezoneItIsUtcWrittenAsAnOffset() throws Exception {
        JsonNode now = at("2025-01-15T09:30:00Z", null);
        assertEquals("UTC", now.get("timezone").asText());
        assertEquals("2025-01-15T09:30:00+00:00", now.get("iso").asText());
        assertEquals("+00:00", now.get("utc_offset").asText());
        assertEquals("UTC", at("2025-01-15T09:30:00Z", " ").get("timezone").asText());
    }

    @Test
    void theOffsetFollowsDaylightSavingTime() throws Exception {
        assertEquals("+01:00", at("2025-01-15T12:00:00Z", "Europe/Amsterdam").get("utc_offset").asText());
        assertEquals("+02:00", at("2025-07-15T12:00:00Z", "Europe/Amsterdam").get("utc_offset").asText());
        // the clocks went forward at 01:00 UTC on 30 March 2025: the second before and the second it happened
        assertEquals("2025-03-30T01:59:59+01:00", at("2025-03-30T00:59:59Z", "Europe/Amsterdam").get("iso").asText());
        assertEquals("2025-03-30T03:00:00+02:00", at("2025-03-30T01:00:00Z", "Europe/Amsterdam").get("iso").asText());
    }

    @Test
    void zoneNamesMatchWhateverTheirCaseAndWithSpacesForUnderscores() throws Exception {
        assertEquals("Europe/Amsterdam", at("2025-01-15T12:00:00Z", "europe/amsterdam").get("timezone").asText());
        assertEquals("America/New_York", at("2025-01-15T12:00:00Z", "America/New York").get("timezone").asText());
        assertEquals("-05:00", at("2025-01-15T12:00:00Z", "America/New York").get("utc_offset").asText());
    }

    @Test
    void anUnknownZoneIsAFailureThatNamesTheIanaForm() {
        ToolFailure f = assertThrows(ToolFailure.class, () -> at("2025-01-15T12:00:00Z", "Mars/Olympus_Mons"));
        assertEquals("unknown_timezone", f.code());
        assertEquals("unknown time zone 'Mars/Olympus_Mons'; use an IANA name such as Europe/Amsterdam, or leave timezone out for UTC",
                f.getMessage());
    }

    @Test
    void aBareCityIsAFailureThatSuggestsItsZone() {
        ToolFailure f = assertThrows(ToolFailure.class, () -> at("2025-01-15T12:00:00Z", "amsterdam"));
        assertEquals("unknown_timezone", f.code());
        assertTrue(f.getMessage().contains("(did you mean Europe/Amsterdam?)"), f.getMessage());
    }
}
