package weft.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import weft.providers.Document;
import weft.providers.ToolSpec;

import java.math.BigDecimal;
import java.text.BreakIterator;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Searches the run's documents, so a model with many or long ones can look up what it needs
 * and cite it by the document's marker ({@code [n]} for the n-th document, as everywhere else).
 *
 * <p>Matching is by words: text is cut into runs of letters and digits (each CJK ideograph
 * alone, since those scripts do not separate words with spaces), and words compare without
 * case or accents, so "CAFÉ" finds "cafe". There is no stemming: "refund" does not find "refunds".
 *
 * <p>Ranking, explained so a reader can predict it: a document first ranks by how many of the
 * query's distinct words it has at all (in its title or text), so one with both of two words
 * beats one that repeats one of them. Ties go to the higher score, which sums, per query word,
 * {@value #TITLE_WEIGHT} if the title has it plus its occurrences in the text up to
 * {@value #OCCURRENCE_CAP} (so sheer repetition does not win). Remaining ties keep the
 * documents' order. A document without any of the words is not a result.
 *
 * <p>The passage is the document's sentence with the most query words; a sentence longer than
 * {@value #PASSAGE_CHARS} characters is cut to a window of about that many around its hits,
 * marked with "…". A document of at most that length is its own passage.
 */
public final class DocumentSearch implements Tool {
    static final int DEFAULT_RESULTS = 3;
    static final int MAX_RESULTS = 10;
    static final int TITLE_WEIGHT = 3;
    static final int OCCURRENCE_CAP = 3;
    static final int PASSAGE_CHARS = 300;
    /** How much of a window comes before its first hit: some lead-in, most of it after. */
    private static final int LEAD_CHARS = PASSAGE_CHARS / 4;

    private static final ToolSpec SPEC = buildSpec();

    @Override
    public ToolSpec spec() {
        return SPEC;
    }

    @Override
    public boolean usefulWith(List<Document> documents) {
        return !documents.isEmpty();
    }

    @Override
    public JsonNode call(JsonNode arguments, ToolContext context) throws ToolFailure, InterruptedException {
        List<Document> documents = context.documents();
        if (documents.isEmpty()) {
            throw new ToolFailure("no_documents", "this run has no documents to search; pass \"documents\" with the run");
        }
        String query = arguments.path("query").asText("");
        int limit = maxResults(arguments.get("max_results"));
        Set<String> terms = new LinkedHashSet<>();
        for (Token token : tokens(query)) terms.add(token.term());
        if (terms.isEmpty()) {
            throw new ToolFailure("invalid_arguments", "the query has no words to search for; send the words to look for, such as \"refund policy\"");
        }

        List<Match> matches = new ArrayList<>();
        for (int i = 0; i < documents.size(); i++) {
            // a long search over many documents should end when the run is cancelled
            if (Thread.interrupted()) throw new InterruptedException("the document search was stopped");
            Match match = match(i, documents.get(i), terms);
            if (match.words() > 0) matches.add(match);
        }
        matches.sort(Comparator.comparingInt(Match::words).reversed()
                .thenComparing(Comparator.comparingInt(Match::score).reversed())
                .thenComparingInt(Match::index));

        ObjectNode result = JsonNodeFactory.instance.objectNode();
        result.put("query", query);
        ArrayNode results = result.putArray("results");
        for (Match match : matches.subList(0, Math.min(limit, matches.size()))) {
            Document document = documents.get(match.index());
            results.addObject()
                    .put("marker", "[" + (match.index() + 1) + "]")
                    .put("document_id", document.id())
                    .put("title", document.title())
                    .put("passage", passage(text(document.text()), terms));
        }
        return result;
    }

    private static int maxResults(JsonNode value) throws ToolFailure {
        if (value == null || value.isNull()) return DEFAULT_RESULTS;
        BigDecimal n = value.isNumber() ? value.decimalValue() : null;
        if (n == null || n.stripTrailingZeros().scale() > 0 || n.compareTo(BigDecimal.ONE) < 0 || n.compareTo(BigDecimal.valueOf(MAX_RESULTS)) > 0) {
            throw new ToolFailure("invalid_arguments", "max_results must be a whole number from 1 to " + MAX_RESULTS
                    + ", not " + value + "; leave it out for " + DEFAULT_RESULTS);
        }
        return n.intValue();
    }

    /** A document's standing for the query: {@code words} distinct query words found, then {@code score}. */
    private record Match(int index, int words, int score) {}

    private static Match match(int index, Document document, Set<String> terms) {
        Set<String> title = new HashSet<>();
        for (Token token : tokens(text(document.title()))) title.add(token.term());
        Map<String, Integer> counts = new HashMap<>();
        for (Token token : tokens(text(document.text()))) {
            if (terms.contains(token.term())) counts.merge(token.term(), 1, Integer::sum);
        }
        int words = 0;
        int score = 0;
        for (String term : terms) {
            boolean inTitle = title.contains(term);
            int inText = counts.getOrDefault(term, 0);
            if (inTitle || inText > 0) words++;
            score += (inTitle ? TITLE_WEIGHT : 0) + Math.min(inText, OCCURRENCE_CAP);
        }
        return new Match(index, words, score);
    }

    static String passage(String text, Set<String> terms) {
        if (text.strip().length() <= PASSAGE_CHARS) return text.strip();
        List<Token> tokens = tokens(text);

        // the sentence with the most distinct query words, then the most hits, then the earliest;
        // with no hit at all (a title match) the first sentence, as the document's opening
        BreakIterator sentences = BreakIterator.getSentenceInstance(Locale.ROOT);
        sentences.setText(text);
        int bestStart = 0;
        int bestEnd = text.length();
        int bestWords = -1;
        int bestHits = -1;
        int t = 0;
        for (int start = sentences.first(), end = sentences.next(); end != BreakIterator.DONE; start = end, end = sentences.next()) {
            Set<String> found = new HashSet<>();
            int hits = 0;
            while (t < tokens.size() && tokens.get(t).start() < end) {
                if (terms.contains(tokens.get(t).term())) {
                    found.add(tokens.get(t).term());
                    hits++;
                }
                t++;
            }
            if (found.size() > bestWords || found.size() == bestWords && hits > bestHits) {
                bestStart = start;
                bestEnd = end;
                bestWords = found.size();
                bestHits = hits;
            }
        }
        String sentence = text.substring(bestStart, bestEnd).strip();
        if (sentence.length() <= PASSAGE_CHARS) return sentence;
        return window(text, bestStart, bestEnd, tokens, terms);
    }

    /** About {@value #PASSAGE_CHARS} characters of {@code [from, to)}, placed to hold the most distinct query words, cut at word edges. */
    private static String window(String text, int from, int to, List<Token> tokens, Set<String> terms) {
        List<Token> inside = tokens.stream().filter(k -> k.start() >= from && k.end() <= to).toList();
        List<Token> hits = inside.stream().filter(k -> terms.contains(k.term())).toList();
        int start = from;
        int bestWords = -1;
        for (Token hit : hits) {
            int candidate = Math.max(from, Math.min(hit.start() - LEAD_CHARS, to - PASSAGE_CHARS));
            int end = candidate + PASSAGE_CHARS;
            long words = hits.stream().filter(k -> k.start() >= candidate && k.end() <= end).map(Token::term).distinct().count();
            if (words > bestWords) {
                bestWords = (int) words;
                start = candidate;
            }
        }
        int end = Math.min(to, start + PASSAGE_CHARS);
        // whole words only: start at the first word that begins in the window, end after the last that ends in it
        int cutStart = start;
        int cutEnd = end;
        if (start > from) {
            for (Token k : inside) if (k.start() >= start) { cutStart = k.start(); break; }
        }
        if (end < to) {
            for (Token k : inside) if (k.end() <= end && k.start() >= cutStart) cutEnd = k.end();
        }
        if (cutEnd <= cutStart) { cutStart = start; cutEnd = end; }
        String body = text.substring(cutStart, cutEnd).strip();
        return (cutStart > from ? "…" : "") + body + (cutEnd < to && !text.substring(cutEnd, to).isBlank() ? "…" : "");
    }

    private static String text(String value) {
        return value == null ? "" : value;
    }

    /** A word of the text: where it is, and the form it is compared in (lower case, without accents). */
    record Token(int start, int end, String term) {}

    static List<Token> tokens(String text) {
        List<Token> tokens = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            int c = text.codePointAt(i);
            if (Character.isIdeographic(c)) {
                int end = i + Character.charCount(c);
                tokens.add(new Token(i, end, fold(text.substring(i, end))));
                i = end;
            } else if (Character.isLetterOrDigit(c)) {
                int start = i;
                while (i < text.length() && inWord(text.codePointAt(i))) i += Character.charCount(text.codePointAt(i));
                tokens.add(new Token(start, i, fold(text.substring(start, i))));
            } else {
                i += Character.charCount(c);
            }
        }
        return tokens;
    }

    /** Letters, digits and the combining marks that belong to them (a decomposed "é" is one word). */
    private static boolean inWord(int c) {
        if (Character.isIdeographic(c)) return false;
        if (Character.isLetterOrDigit(c)) return true;
        int type = Character.getType(c);
        return type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
                || type == Character.ENCLOSING_MARK;
    }

    private static String fold(String word) {
        String decomposed = Normalizer.normalize(word, Normalizer.Form.NFKD);
        StringBuilder folded = new StringBuilder(decomposed.length());
        decomposed.codePoints()
                .filter(c -> Character.getType(c) != Character.NON_SPACING_MARK)
                .forEach(folded::appendCodePoint);
        return folded.toString().toLowerCase(Locale.ROOT);
    }

    private static ToolSpec buildSpec() {
        ObjectNode parameters = JsonNodeFactory.instance.objectNode().put("type", "object");
        ObjectNode properties = parameters.putObject("properties");
        properties.putObject("query")
                .put("type", "string")
                .put("description", "The words to look for. Documents with more of them rank higher; case and accents do not matter.");
        properties.putObject("max_results")
                .put("type", "integer")
                .put("minimum", 1)
                .put("maximum", MAX_RESULTS)
                .put("description", "How many documents to return, 1 to " + MAX_RESULTS + "; " + DEFAULT_RESULTS + " if left out.");
        parameters.putArray("required").add("query");
        return new ToolSpec("documents",
                "Searches the documents supplied with this run and returns the best-matching passages, each with the "
                        + "document's marker ([1], [2], …) to cite it by.",
                parameters);
    }
}
