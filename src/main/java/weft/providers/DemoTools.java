package weft.providers;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import weft.json.Jackson;

import java.math.BigDecimal;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the demo model uses tools: on a fresh question it picks the offered tools the question
 * plainly asks for (arithmetic, the time, the run's documents, a tool named after a word of
 * the question) and calls them all at once; once their results are back it answers from them
 * and calls nothing more, so an agent's loop always ends after one round. The request's
 * {@link ToolChoice} bends the pick: none, at least one (the first offered when the question
 * asks for none), or exactly the named one. Everything follows from the request's text, so the
 * same request gives the same parts.
 */
final class DemoTools {

    private static final ObjectMapper JSON = Jackson.mapper();

    /** A run of characters arithmetic is written with; the first that holds an operation is the expression. */
    private static final Pattern ARITHMETIC_RUN = Pattern.compile("[0-9.+\\-*/%^() ]+");
    private static final Pattern OPERATION = Pattern.compile("\\d\\s*\\)*\\s*[+\\-*/%^]\\s*[(\\s+\\-]*\\.?\\d");
    /** 2024-05-01 and 1.2.3 read as a date and a version, not as something to compute. */
    private static final Pattern NOT_ARITHMETIC = Pattern.compile("\\d{4}-\\d{1,2}-\\d{1,2}|\\d+\\.\\d+\\.\\d+");
    private static final Pattern NUMBER = Pattern.compile("-?\\d+(?:\\.\\d+)?");
    private static final List<String> TIME_QUESTIONS = List.of("what time", "what's the time", "whats the time",
            "what is the time", "current time", "hoe laat");
    private static final Pattern ZONE_NAME = Pattern.compile("\\b[Ii]n\\s+([A-Za-z]+(?:/[A-Za-z_\\-]+)+|UTC)\\b");
    /** A handful of cities people ask about; anything else must be named as its IANA zone. */
    private static final Map<String, String> CITIES = Map.of("amsterdam", "Europe/Amsterdam", "london", "Europe/London",
            "paris", "Europe/Paris", "new york", "America/New_York", "tokyo", "Asia/Tokyo", "sydney", "Australia/Sydney");
    /** Parts of tool names too common to mean the question asks for that tool ("get" in get_weather). */
    private static final Set<String> GENERIC_NAME_PARTS = Set.of("get", "set", "put", "add", "list", "fetch", "find",
            "make", "create", "run", "call", "tool", "the", "for", "and", "with", "from", "by", "to", "of", "do");
    private static final Set<String> ARTICLES = Set.of("the", "a", "an", "de", "het", "een");
    /** Fragment lengths of a call's arguments, in turn: uneven, so joining is exercised at every kind of cut. */
    private static final int[] FRAGMENT_LENGTHS = {4, 6, 3, 5, 7};

    private DemoTools() {}

    /** A call the demo model decided to make: the tool's name and its arguments as JSON text. */
    record Call(String name, String arguments) {}

    /**
     * The whole answer when tools are offered, or null when the demo model answers as it does
     * without tools (nothing fits the question, or the conversation does not end with a
     * question or with results).
     */
    static List<Part> answer(ModelRequest request) {
        List<ChatMessage> messages = request.messages();
        if (messages.isEmpty()) return null;
        return switch (messages.getLast().role()) {
            case USER -> {
                List<Call> calls = underChoice(request);
                yield calls.isEmpty() ? null : callParts(request, calls);
            }
            case TOOL -> tokens(fromResults(request)).stream().<Part>map(Part.Text::new).toList();
            case ASSISTANT -> null;
        };
    }

    /**
     * The calls a fresh question gets under the request's tool choice. Only a fresh question:
     * results are always answered, or a required call would follow every round of them.
     */
    private static List<Call> underChoice(ModelRequest request) {
        return switch (request.toolChoice()) {
            case ToolChoice.Mode.AUTO -> choose(request);
            case ToolChoice.Mode.NONE -> List.of();
            case ToolChoice.Mode.REQUIRED -> {
                List<Call> asked = choose(request);
                yield asked.isEmpty() ? List.of(forced(request, request.tools().getFirst())) : asked;
            }
            case ToolChoice.Function(String name) -> List.of(forced(request, request.tools().stream()
                    .filter(tool -> tool.name().equals(name)).findFirst()
                    // A real provider refuses a name it was not offered; the demo calls it anyway,
                    // with nothing, so what the runner makes of an unknown tool can be watched.
                    .orElse(new ToolSpec(name, null, null))));
        };
    }

    /** The calls a fresh question asks for, in the order the tools were offered. */
    static List<Call> choose(ModelRequest request) {
        List<Call> calls = new ArrayList<>();
        for (ToolSpec tool : request.tools()) {
            ObjectNode arguments = asked(request, tool);
            if (arguments != null) calls.add(new Call(tool.name(), write(arguments)));
        }
        return calls;
    }

    /** A call of {@code tool} whether or not the question asks for it: its arguments then come from its schema. */
    private static Call forced(ModelRequest request, ToolSpec tool) {
        ObjectNode arguments = asked(request, tool);
        return new Call(tool.name(), write(arguments != null ? arguments : fromSchema(tool.parameters(), request.lastUserText())));
    }

    /** The arguments of {@code tool} if the question asks for it, else null. */
    private static ObjectNode asked(ModelRequest request, ToolSpec tool) {
        String question = request.lastUserText();
        return switch (tool.name()) {
            case "calculator" -> {
                String expression = arithmetic(question);
                yield expression == null ? null : JSON.createObjectNode().put("expression", expression);
            }
            case "clock" -> asksTheTime(question) ? clockArguments(question) : null;
            case "documents" -> request.documents().isEmpty() ? null
                    : JSON.createObjectNode().put("query", query(question));
            default -> namedInQuestion(tool.name(), question) ? fromSchema(tool.parameters(), question) : null;
        };
    }

    /** The arithmetic in the question as it was written ("12.5 * (3 + 4)"), or null if there is none. */
    static String arithmetic(String question) {
        Matcher run = ARITHMETIC_RUN.matcher(question);
        while (run.find()) {
            String expression = balanced(run.group().strip().replaceAll("\\.+$", "").strip());
            if (OPERATION.matcher(expression).find() && !NOT_ARITHMETIC.matcher(expression).find()) return expression;
        }
        return null;
    }

    /** Drops parentheses at the edges that the text around the expression opened or closes. */
    private static String balanced(String expression) {
        String e = expression;
        while (true) {
            long open = e.chars().filter(c -> c == '(').count(), close = e.chars().filter(c -> c == ')').count();
            if (open > close && e.startsWith("(")) e = e.substring(1).strip();
            else if (close > open && e.endsWith(")")) e = e.substring(0, e.length() - 1).strip();
            else return e;
        }
    }

    private static boolean asksTheTime(String question) {
        String lower = question.toLowerCase(Locale.ROOT).replace('’', '\'');
        return TIME_QUESTIONS.stream().anyMatch(lower::contains);
    }

    private static ObjectNode clockArguments(String question) {
        ObjectNode arguments = JSON.createObjectNode();
        Matcher named = ZONE_NAME.matcher(question);
        while (named.find()) {
            if (ZoneId.getAvailableZoneIds().contains(named.group(1))) return arguments.put("timezone", named.group(1));
        }
        String lower = " " + String.join(" ", DemoProvider.words(question.toLowerCase(Locale.ROOT))) + " ";
        // Sorted, so a question naming two cities always gets the same one.
        for (String city : CITIES.keySet().stream().sorted().toList()) {
            if (lower.contains(" in " + city + " ")) return arguments.put("timezone", CITIES.get(city));
        }
        return arguments; // the clock's own default (UTC)
    }

    /** The question's content words, as a search would want them: "server-sent events streaming". */
    private static String query(String question) {
        List<String> words = new ArrayList<>();
        Matcher word = Pattern.compile("[\\p{L}\\p{N}]+(?:-[\\p{L}\\p{N}]+)*").matcher(question);
        while (word.find()) {
            if (DemoProvider.isContent(word.group()) && !words.contains(word.group())) words.add(word.group());
        }
        return words.isEmpty() ? question.strip() : String.join(" ", words);
    }

    /** Whether a word of the question is a part of the tool's name: get_weather, getWeather and get-weather all have "weather". */
    static boolean namedInQuestion(String name, String question) {
        Set<String> asked = new java.util.HashSet<>(DemoProvider.words(question.toLowerCase(Locale.ROOT)));
        for (String part : name.split("[_\\-\\s]+|(?<=\\p{Ll})(?=\\p{Lu})|(?<=\\p{Lu})(?=\\p{Lu}\\p{Ll})")) {
            String p = part.toLowerCase(Locale.ROOT);
            if (p.length() < 2 || GENERIC_NAME_PARTS.contains(p)) continue;
            if (asked.contains(p) || asked.contains(p + "s") || asked.contains(p + "es")) return true;
        }
        return false;
    }

    /** A value of its declared type for every required property, taken from the question where it can be. */
    static ObjectNode fromSchema(JsonNode schema, String question) {
        ObjectNode arguments = JSON.createObjectNode();
        if (schema == null) return arguments;
        JsonNode properties = schema.path("properties");
        for (JsonNode required : schema.path("required")) {
            String name = required.asText();
            JsonNode property = properties.path(name);
            if (property.path("enum").isArray() && !property.path("enum").isEmpty()) {
                arguments.set(name, property.path("enum").get(0).deepCopy());
                continue;
            }
            switch (type(property)) {
                case "number" -> arguments.put(name, firstNumber(question));
                case "integer" -> arguments.put(name, firstNumber(question).toBigInteger());
                case "boolean" -> arguments.put(name, true);
                case "array" -> arguments.putArray(name);
                case "object" -> arguments.putObject(name);
                case "null" -> arguments.putNull(name);
                default -> arguments.put(name, subject(question));
            }
        }
        return arguments;
    }

    /** The declared type; the first that is not null when it is a list ({@code ["string", "null"]}). */
    private static String type(JsonNode property) {
        JsonNode type = property.path("type");
        if (type.isArray()) {
            for (JsonNode t : type) if (!"null".equals(t.asText())) return t.asText();
            return type.isEmpty() ? "string" : "null";
        }
        return type.asText("string");
    }

    private static BigDecimal firstNumber(String question) {
        Matcher number = NUMBER.matcher(question);
        return number.find() ? new BigDecimal(number.group()) : BigDecimal.ONE;
    }

    /** What a string argument is most likely about: the place or thing after "in"/"for" ("New York"), else the last content word. */
    private static String subject(String question) {
        List<String> words = Arrays.stream(question.strip().split("\\s+"))
                .map(w -> w.replaceAll("^[^\\p{L}\\p{N}]+|[^\\p{L}\\p{N}]+$", "")).filter(w -> !w.isEmpty()).toList();
        for (int i = 0; i < words.size() - 1; i++) {
            String w = words.get(i).toLowerCase(Locale.ROOT);
            if (!w.equals("in") && !w.equals("for")) continue;
            int at = i + 1;
            while (at < words.size() - 1 && ARTICLES.contains(words.get(at).toLowerCase(Locale.ROOT))) at++;
            // A name runs on over capitalised words: "in New York City".
            int end = at + 1;
            if (Character.isUpperCase(words.get(at).charAt(0))) {
                while (end < words.size() && Character.isUpperCase(words.get(end).charAt(0))) end++;
            }
            return String.join(" ", words.subList(at, end));
        }
        for (int i = words.size() - 1; i >= 0; i--) {
            if (DemoProvider.isContent(words.get(i))) return words.get(i);
        }
        return words.isEmpty() ? "" : words.getLast();
    }

    /**
     * A short sentence and then the calls, each streamed as a real model writes one: its start, its
     * arguments in fragments, its end. Ids go on from the calls earlier in the conversation, so no
     * two calls in one conversation share one.
     */
    private static List<Part> callParts(ModelRequest request, List<Call> calls) {
        List<Part> parts = new ArrayList<>();
        List<String> names = calls.stream().map(Call::name).distinct().toList();
        // The trailing space: the answer after the results goes on in the same text, as a real model's does.
        for (String token : tokens("Let me use " + toolNames(names) + ". ")) parts.add(new Part.Text(token));
        int n = (int) request.messages().stream().mapToLong(m -> m.toolCalls().size()).sum();
        for (Call call : calls) {
            String id = "call_demo_" + ++n;
            parts.add(new Part.ToolCallStart(id, call.name()));
            String arguments = call.arguments();
            for (int at = 0, i = 0; at < arguments.length(); i++) {
                int end = Math.min(arguments.length(), at + FRAGMENT_LENGTHS[i % FRAGMENT_LENGTHS.length]);
                if (end < arguments.length() && Character.isLowSurrogate(arguments.charAt(end))) end++; // never half a character
                parts.add(new Part.ToolCallArguments(id, arguments.substring(at, end)));
                at = end;
            }
            parts.add(new Part.ToolCallEnd(id));
        }
        return parts;
    }

    /** "the calculator", "the calculator and the clock", "get_weather". */
    private static String toolNames(List<String> names) {
        List<String> named = names.stream().map(n -> switch (n) {
            case "calculator", "clock" -> "the " + n;
            case "documents" -> "the document search";
            default -> n;
        }).toList();
        if (named.size() == 1) return named.getFirst();
        return String.join(", ", named.subList(0, named.size() - 1)) + " and " + named.getLast();
    }

    /** A sentence per result that came back, in the order they came. */
    static String fromResults(ModelRequest request) {
        List<ChatMessage> messages = request.messages();
        int first = messages.size();
        while (first > 0 && messages.get(first - 1).role() == ChatMessage.Role.TOOL) first--;
        // The arguments each call was made with, to say what was asked as well as what came back.
        Map<String, String> asked = new LinkedHashMap<>();
        if (first > 0) for (ToolCall call : messages.get(first - 1).toolCalls()) asked.put(call.id(), call.arguments());
        List<String> sentences = new ArrayList<>();
        for (ChatMessage message : messages.subList(first, messages.size())) {
            ToolResult result = message.result();
            String name = result == null || result.name() == null ? "" : result.name();
            String content = result == null ? message.content() : result.content();
            JsonNode arguments = JsonText.readOrNull(result == null ? null : asked.get(result.callId()));
            sentences.add(result != null && result.error()
                    ? failed(name, content)
                    : sentence(name, JsonText.readOrNull(content), content, arguments, request.documents().size()));
        }
        return String.join(" ", sentences);
    }

    private static String failed(String name, String content) {
        JsonNode parsed = JsonText.readOrNull(content);
        String why = parsed != null && parsed.path("error").isTextual() ? parsed.path("error").asText() : content;
        why = DemoProvider.plain(why).replaceAll("[.!\\s]+$", "");
        return why.isEmpty() ? label(name) + " failed." : label(name) + " failed: " + why + ".";
    }

    private static String sentence(String name, JsonNode result, String content, JsonNode arguments, int documents) {
        JsonNode r = result == null ? JSON.missingNode() : result;
        switch (name) {
            case "calculator" -> {
                if (r.has("result")) {
                    String expression = r.path("expression").asText(arguments == null ? "" : arguments.path("expression").asText(""));
                    String value = DemoProvider.plain(r.path("result").asText());
                    return expression.isBlank() ? "The result is " + value + "." : DemoProvider.plain(expression) + " = " + value + ".";
                }
            }
            case "clock" -> {
                if (r.path("iso").isTextual()) {
                    String zone = r.path("timezone").asText(arguments == null ? "" : arguments.path("timezone").asText(""));
                    String when = DemoProvider.plain(r.path("iso").asText());
                    return zone.isBlank() ? "It is now " + when + "." : "In " + DemoProvider.plain(zone) + " it is now " + when + ".";
                }
            }
            case "documents" -> {
                if (r.path("results").isArray()) return searchSummary(r.path("results"), documents);
            }
            default -> { }
        }
        String said = DemoProvider.plain(content);
        if (said.length() > 200) said = said.substring(0, 200) + "…";
        return label(name) + " returned " + (said.isEmpty() ? "nothing" : said) + ".";
    }

    private static String label(String name) {
        return name.isBlank() ? "The tool" : "The " + DemoProvider.plain(name) + " tool";
    }

    /** A sentence per passage found, cited by its marker when that names one of the run's documents. */
    private static String searchSummary(JsonNode results, int documents) {
        List<String> found = new ArrayList<>();
        for (JsonNode hit : results) {
            String passage = DemoProvider.plain(hit.path("passage").asText(hit.path("text").asText(""))).replaceAll("[.!?…\\s]+$", "");
            String title = DemoProvider.plain(hit.path("title").asText(""));
            if (passage.isEmpty()) passage = title;
            if (passage.isEmpty()) continue;
            Matcher n = Pattern.compile("\\d+").matcher(hit.path("marker").asText(""));
            int marker = n.find() ? Integer.parseInt(n.group()) : 0;
            String cite = marker >= 1 && marker <= documents ? " [" + marker + "]" : "";
            found.add((title.isEmpty() ? "A document" : "\"" + title + "\"") + " says: " + passage + cite + ".");
        }
        if (found.isEmpty()) return "The document search found nothing on that.";
        return "Here is what the documents say. " + String.join(" ", found);
    }

    /** The text's pieces as the demo model streams them: words with their leading space, a marker in two pieces. */
    static List<String> tokens(String text) {
        List<String> tokens = new ArrayList<>();
        Matcher piece = Pattern.compile(" ?\\[\\d+]| ?[^ \\[]+| ?\\[| ").matcher(text);
        while (piece.find()) {
            String t = piece.group();
            int bracket = t.indexOf('[');
            if (bracket >= 0 && t.length() > bracket + 1) {
                // The server holds a half marker back until it completes, so demo answers exercise that.
                tokens.add(t.substring(0, bracket + 1));
                tokens.add(t.substring(bracket + 1));
            } else {
                tokens.add(t);
            }
        }
        return tokens;
    }

    private static String write(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e); // a tree built here always serialises
        }
    }
}
