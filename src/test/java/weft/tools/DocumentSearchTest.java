package weft.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import weft.providers.Document;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DocumentSearchTest {
    private final DocumentSearch search = new DocumentSearch();

    private JsonNode search(String query, Document... documents) throws Exception {
        return search(JsonNodeFactory.instance.objectNode().put("query", query), documents);
    }

    private JsonNode search(ObjectNode arguments, Document... documents) throws Exception {
        return search.call(arguments, new ToolContext("agent", "call-1", List.of(documents), _ -> {}));
    }

    private static List<String> markers(JsonNode result) {
        var markers = new ArrayList<String>();
        for (JsonNode r : result.get("results")) markers.add(r.get("marker").asText());
        return markers;
    }

    private static Document doc(String id, String title, String text) {
        return new Document(id, title, text);
    }

    @Test
    void noDocumentsIsAFailureThatSaysHowToPassThem() {
        ToolFailure f = assertThrows(ToolFailure.class, () -> search("refund"));
        assertEquals("no_documents", f.code());
        assertEquals("this run has no documents to search; pass \"documents\" with the run", f.getMessage());
    }

    @Test
    void noHitsGiveEmptyResultsNotAFailure() throws Exception {
        JsonNode result = search("volcano", doc("a", "Refunds", "Money back within 30 days."));
        assertEquals("volcano", result.get("query").asText());
        assertTrue(result.get("results").isArray());
        assertEquals(0, result.get("results").size());
    }

    @Test
    void eachResultCarriesTheMarkerOfItsPlaceInTheRunsDocuments() throws Exception {
        JsonNode result = search("tea",
                doc("d-coffee", "Coffee", "Beans and roasting."),
                doc("d-tea", "Brewing", "Green tea wants water below boiling."));
        JsonNode hit = result.get("results").get(0);
        assertEquals("[2]", hit.get("marker").asText());
        assertEquals("d-tea", hit.get("document_id").asText());
        assertEquals("Brewing", hit.get("title").asText());
        assertEquals("Green tea wants water below boiling.", hit.get("passage").asText());
    }

    @Test
    void documentsWithMoreOfTheQueryWordsRankFirstWhateverTheRepetition() throws Exception {
        JsonNode result = search("apple banana",
                doc("1", "Fruit", "apple apple apple apple apple"),
                doc("2", "Fruit", "an apple and a banana"));
        assertEquals(List.of("[2]", "[1]"), markers(result));
    }

    @Test
    void aTitleHitOutweighsAMentionInTheText() throws Exception {
        JsonNode result = search("refund",
                doc("1", "Notes", "The refund takes a week."),
                doc("2", "Refund policy", "Money back within 30 days."));
        assertEquals(List.of("[2]", "[1]"), markers(result));
    }

    @Test
    void moreMentionsRankHigherUpToTheCap() throws Exception {
        JsonNode more = search("fee", doc("1", "", "a fee"), doc("2", "", "a fee, a fee"));
        assertEquals(List.of("[2]", "[1]"), markers(more));
        // past three mentions repetition no longer counts, and the tie keeps the documents' order
        JsonNode capped = search("fee", doc("1", "", "fee fee fee"), doc("2", "", "fee fee fee fee fee"));
        assertEquals(List.of("[1]", "[2]"), markers(capped));
    }

    @Test
    void equalMatchesKeepTheDocumentsOrder() throws Exception {
        JsonNode result = search("river",
                doc("a", "", "The river floods."),
                doc("b", "", "No water here."),
                doc("c", "", "A river bends."),
                doc("d", "", "Rivers? The river again."));
        assertEquals(List.of("[1]", "[3]", "[4]"), markers(result));
        assertEquals("c", result.get("results").get(1).get("document_id").asText());
    }

    @Test
    void matchingIgnoresCaseAndAccentsAndSplitsOnPunctuation() throws Exception {
        JsonNode result = search("CAFÉ résumé",
                doc("1", "", "The cafe asked for a RESUME."),
                doc("2", "", "Nothing."));
        assertEquals(List.of("[1]"), markers(result));
        assertEquals(List.of("[1]"), markers(search("ΑΘΗΝΑ", doc("1", "", "Η Αθήνα είναι πρωτεύουσα."))));
        assertEquals(List.of("[1]"), markers(search("well-known", doc("1", "", "It is well known."))));
    }

    @Test
    void ideographsMatchOneByOne() throws Exception {
        JsonNode result = search("東京",
                doc("1", "", "大阪は大きい。"),
                doc("2", "", "東京都は日本の首都です。"));
        assertEquals(List.of("[2]"), markers(result));
    }

    @Test
    void theWholeWordMustMatchWithoutStemming() throws Exception {
        assertEquals(0, search("refund", doc("1", "", "Refunds are rare.")).get("results").size());
    }

    @Test
    void aShortDocumentIsItsOwnPassage() throws Exception {
        String text = "First line about cats.\nSecond line about dogs.";
        assertEquals(text, search("dogs", doc("1", "", "  " + text + "\n")).get("results").get(0).get("passage").asText());
    }

    @Test
    void theBestSentenceOfALongDocumentIsThePassage() throws Exception {
        String filler = "This sentence says nothing in particular about the topic at hand. ".repeat(10);
        String text = filler + "The warranty lasts two years from purchase. " + filler
                + "A warranty claim needs the receipt and the warranty card. " + filler;
        String passage = search("warranty receipt", doc("1", "Terms", text)).get("results").get(0).get("passage").asText();
        assertEquals("A warranty claim needs the receipt and the warranty card.", passage);
    }

    @Test
    void aLongSentenceIsCutToAWindowAroundTheHitAtWordEdges() throws Exception {
        String before = "lorem ipsum dolor sit amet ".repeat(40);
        String after = " consectetur adipiscing elit sed do".repeat(40);
        String text = before + "the needle is here" + after;
        String passage = search("needle", doc("1", "", text)).get("results").get(0).get("passage").asText();
        assertTrue(passage.contains("the needle is here"), passage);
        assertTrue(passage.startsWith("…") && passage.endsWith("…"), passage);
        assertTrue(passage.length() <= DocumentSearch.PASSAGE_CHARS + 2, "length " + passage.length());
        assertTrue(passage.length() > DocumentSearch.PASSAGE_CHARS - 20, "length " + passage.length());
        String inner = passage.substring(1, passage.length() - 1);
        assertTrue(text.contains(inner));
        // word edges: the text around the window is a space or the window's own edge
        int at = text.indexOf(inner);
        assertEquals(' ', text.charAt(at - 1));
        assertEquals(' ', text.charAt(at + inner.length()));
    }

    @Test
    void aWindowHoldsTheMostDistinctWordsOfItsSentence() throws Exception {
        String words = "alpha beta gamma delta epsilon zeta eta theta iota kappa ";
        String text = "apple " + words.repeat(20) + "pear and plum together " + words.repeat(20);
        String passage = search("pear plum apple", doc("1", "", text)).get("results").get(0).get("passage").asText();
        assertTrue(passage.contains("pear and plum"), passage);
        assertFalse(passage.contains("apple"), passage);
    }

    @Test
    void aTitleOnlyMatchGivesTheDocumentsOpening() throws Exception {
        String text = "It begins here. " + "More text follows without the word. ".repeat(20);
        String passage = search("manual", doc("1", "Manual", text)).get("results").get(0).get("passage").asText();
        assertEquals("It begins here.", passage);
    }

    @Test
    void maxResultsDefaultsToThreeAndAllowsUpToTen() throws Exception {
        var docs = new Document[12];
        for (int i = 0; i < docs.length; i++) docs[i] = doc("d" + i, "", "the same word");
        assertEquals(3, search("word", docs).get("results").size());
        assertEquals(5, search(JsonNodeFactory.instance.objectNode().put("query", "word").put("max_results", 5), docs).get("results").size());
        assertEquals(10, search(JsonNodeFactory.instance.objectNode().put("query", "word").put("max_results", 10), docs).get("results").size());
        for (int wrong : new int[] {0, 11}) {
            ToolFailure f = assertThrows(ToolFailure.class, () -> search(
                    JsonNodeFactory.instance.objectNode().put("query", "word").put("max_results", wrong), docs));
            assertEquals("invalid_arguments", f.code());
            assertTrue(f.getMessage().startsWith("max_results must be a whole number from 1 to 10, not " + wrong), f.getMessage());
        }
    }

    @Test
    void aQueryWithoutWordsIsAFailure() {
        ToolFailure f = assertThrows(ToolFailure.class, () -> search(" ?! ", doc("1", "", "text")));
        assertEquals("invalid_arguments", f.code());
    }

    @Test
    void argumentsCheckRejectsAMissingQueryForTheSchema() {
        ToolFailure f = assertThrows(ToolFailure.class,
                () -> Arguments.check(Arguments.parse("{\"max_results\": 2}"), search.spec().parameters()));
        assertEquals("missing required argument 'query'", f.getMessage());
    }

    @Test
    void aCancelledSearchStops() {
        Thread.currentThread().interrupt();
        try {
            assertThrows(InterruptedException.class, () -> search("x", doc("1", "", "x")));
        } finally {
            Thread.interrupted();
        }
    }
}
