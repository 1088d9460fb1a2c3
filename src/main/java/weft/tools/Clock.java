package weft.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import weft.providers.ToolSpec;

import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.TextStyle;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The current date and time, which a model cannot know, in a time zone it names (UTC when it
 * names none). The time is read from the {@link java.time.Clock} given, so a test can fix it.
 */
public final class Clock implements Tool {
    private static final ZoneId UTC = ZoneId.of("UTC");
    // to the second, and "+00:00" rather than "Z": one shape whatever the zone, and no fraction a model would copy
    private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ssxxx", Locale.ROOT);
    private static final DateTimeFormatter OFFSET = DateTimeFormatter.ofPattern("xxx", Locale.ROOT);
    private static final ToolSpec SPEC = buildSpec();

    private final java.time.Clock clock;

    public Clock(java.time.Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public ToolSpec spec() {
        return SPEC;
    }

    @Override
    public JsonNode call(JsonNode arguments, ToolContext context) throws ToolFailure {
        JsonNode named = arguments.path("timezone");
        ZoneId zone = named.isTextual() && !named.asText().isBlank() ? zone(named.asText()) : UTC;
        ZonedDateTime now = ZonedDateTime.now(clock.withZone(zone));
        ObjectNode result = JsonNodeFactory.instance.objectNode();
        result.put("timezone", zone.getId());
        result.put("iso", ISO.format(now));
        result.put("weekday", now.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
        result.put("utc_offset", OFFSET.format(now));
        return result;
    }

    /**
     * The zone a name means. Models write zone names in any case ("europe/amsterdam") and with
     * spaces for underscores ("America/New York"), which is no doubt about the zone meant; a bare
     * city is only suggested, since guessing among zones would hide which one was used.
     */
    static ZoneId zone(String name) throws ToolFailure {
        String wanted = name.strip();
        try {
            return ZoneId.of(wanted);
        } catch (DateTimeException unknown) {
            // fall through to the forgiving matches
        }
        String underscored = wanted.replace(' ', '_');
        for (String id : ZoneId.getAvailableZoneIds()) {
            if (id.equalsIgnoreCase(underscored)) return ZoneId.of(id);
        }
        String city = "/" + underscored.toLowerCase(Locale.ROOT);
        List<String> cities = ZoneId.getAvailableZoneIds().stream()
                .filter(id -> id.toLowerCase(Locale.ROOT).endsWith(city))
                .sorted()
                .toList();
        String suggestion = cities.isEmpty() ? "" : " (did you mean " + String.join(" or ", cities) + "?)";
        throw new ToolFailure("unknown_timezone", "unknown time zone '" + wanted + "'" + suggestion
                + "; use an IANA name such as Europe/Amsterdam, or leave timezone out for UTC");
    }

    private static ToolSpec buildSpec() {
        ObjectNode parameters = JsonNodeFactory.instance.objectNode().put("type", "object");
        parameters.putObject("properties").putObject("timezone")
                .put("type", "string")
                .put("description", "An IANA time zone name such as Europe/Amsterdam or America/New_York. "
                        + "Leave it out for UTC.");
        return new ToolSpec("clock",
                "Gives the current date, time, weekday and UTC offset in a time zone. Use it whenever the answer "
                        + "depends on today's date or the time now.",
                parameters);
    }
}
