package weft.providers;

import java.time.Duration;
import java.util.AbstractList;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Weft's built-in offline model. It writes a plausible, deterministic answer from sentence
 * tables and streams it like a hosted model would: a pause before the first token, then tokens
 * at a steady rate. It exists so that {@code ./run.sh}, the tests and the benchmark exercise
 * every path a real provider does (paragraphs, punctuation, split citation markers, the
 * output limit, cancellation) without a network or an API key.
 *
 * <p>It also plays every agent of the {@code research} workflow, recognised by its instruction
 * (the system prompt): a planner answers a JSON plan, a researcher writes a shorter note on its
 * subtopic, and a synthesizer writes an answer that names and quotes the research notes.
 *
 * <p>Offered tools, it calls those a question plainly asks for and answers from their results
 * ({@link DemoTools}), so tool calls can be watched offline too.
 */
public final class DemoProvider implements Provider {

    /**
     * The sentences one language writes with: {k} is a key word from the question (all of them,
     * joined with {@code and}, in openers and closers), {t} a document title.
     */
    private record Language(String fallbackTopic, String and, List<String> openers, List<String> body,
                            List<String> titled, List<String> closers, Roles roles) {}

    /**
     * What one language writes as a workflow agent: the planner's subtopics ({k}: a subject of the
     * question), the opener and closer of a researcher's note ({k}: its subtopic), and the
     * synthesizer's point per note ({s}: the note's heading, {p}: its first sentence).
     */
    private record Roles(List<String> subtopics, List<String> noteOpeners, List<String> noteClosers, List<String> points) {}

    private static final Language ENGLISH = new Language("this topic", "and", List.of(
            "Good question about {k}, and the short answer is that it depends on what you want to achieve.",
            "Let me walk you through {k} step by step, starting with the basics.",
            "There are a few things worth knowing about {k} before going into the details.",
            "In short, it is easier to reason about {k} once you see how the pieces fit together.",
            "Here is how I would think about {k}, from the general idea down to the practical side.",
            "It helps to look at {k} from two angles: the idea itself, and why it matters."), List.of(
            "The core idea behind {k} is simpler than it first appears.",
            "Most of the confusion around {k} comes from mixing up the goal with the mechanism.",
            "A useful way to picture it is as a conversation rather than a single message.",
            "In practice, small details such as timing and ordering make a surprising difference.",
            "People who work with {k} every day tend to focus on reliability first and speed second.",
            "A good default matters more than a long list of options.",
            "If something goes wrong halfway, you want to be able to pick up where you left off.",
            "One common mistake is to optimise too early, before the real bottleneck is known.",
            "It is worth measuring before and after each change, because intuition is often wrong here.",
            "Another point is that {k} rarely stands on its own; it interacts with everything around it.",
            "For a beginner, the best approach is to start small and add complexity only when needed.",
            "Experienced teams usually write down their assumptions about {k} explicitly.",
            "The trade-off is between doing more work up front and handling more cases later.",
            "In the end, the question is less about {k} itself and more about the context it is used in.",
            "A concrete example often makes this clearer than any definition could.",
            "Imagine someone waiting for an answer: every second without feedback feels longer than it is.",
            "Often {k} earns its place simply by making progress visible early.",
            "There is no single right answer, but there are clearly better and worse defaults.",
            "The details vary between tools, yet the underlying principles stay remarkably stable.",
            "It also pays to keep the failure cases in mind, not just the happy path.",
            "Clear names and small, focused steps make {k} much easier to maintain over time.",
            "When in doubt, choose the option that is easiest to explain to a colleague.",
            "Historically, {k} grew out of very practical needs rather than theory.",
            "Performance usually follows from a clean design rather than from clever tricks.",
            "It is fine to revisit earlier decisions once you learn more about the problem.",
            "Good documentation turns {k} from a mystery into a routine part of the work.",
            "The most robust setups are often the boring ones, and that is a compliment.",
            "Keep an eye on the edges: empty input, very long input and interrupted work.",
            "People judge {k} by how it feels to use, not by how it is built.",
            "Compared with the alternatives, {k} asks for a little more care but gives you more control.",
            "It is a bit like a busy café on a Saturday: everything depends on a steady flow.",
            "Ideas like these sound abstract, but they become concrete as soon as you try them yourself."), List.of(
            "The document \"{t}\" covers this in some detail.",
            "According to \"{t}\", the same pattern shows up in many real projects.",
            "A good reference here is \"{t}\", which explains the reasoning behind it.",
            "As \"{t}\" points out, the context matters as much as the technique."), List.of(
            "I hope this gives you a clear starting point for {k}.",
            "In short: start simple, measure, and let real needs guide the next step.",
            "If you want, I can go deeper into any of these points.",
            "That should cover the essentials of {k}; feel free to ask a follow-up question.",
            "To sum up, getting {k} right is mostly about making sensible choices and sticking to them."), new Roles(List.of(
            // Two to four words each, so with a subject of at most four every subtopic has three to eight.
            "Core ideas behind {k}", "History and origins of {k}", "Common pitfalls with {k}",
            "Performance and reliability of {k}", "Practical uses of {k}", "Alternatives to {k}",
            "Getting started with {k}", "Key trade-offs of {k}", "Real-world examples of {k}"), List.of(
            "Looking closely at {k}, a few points stand out.", "When it comes to {k}, the details matter more than the headlines.",
            "The evidence on {k} points in a fairly consistent direction.",
            "Most of what matters about {k} comes down to a handful of practical choices."), List.of(
            "Those are the main points on {k}.", "Taken together, this is what stands out about {k}."), List.of(
            "{s}: the notes open with a clear point, \"{p}\".", "{s} is summed up in the research as \"{p}\".",
            "{s}: here the research starts from \"{p}\".")));

    private static final Language DUTCH = new Language("dit onderwerp", "en", List.of(
            "Goede vraag over {k}, en het korte antwoord is dat het afhangt van wat je wilt bereiken.",
            "Ik loop {k} graag stap voor stap met je door, te beginnen bij de basis.",
            "Er zijn een paar dingen die je over {k} moet weten voordat we de details ingaan.",
            "Kort gezegd wordt het nadenken over {k} een stuk makkelijker zodra je ziet hoe alles samenhangt.",
            "Zo zou ik naar {k} kijken: eerst het idee, daarna de praktijk.",
            "Het helpt om {k} van twee kanten te bekijken: het idee zelf, en waarom het ertoe doet."), List.of(
            "Het basisidee achter {k} is eenvoudiger dan het op het eerste gezicht lijkt.",
            "De meeste verwarring rond {k} ontstaat doordat doel en middel door elkaar worden gehaald.",
            "Je kunt het zien als een gesprek in plaats van één los bericht.",
            "In de praktijk maken kleine details, zoals timing en volgorde, een verrassend groot verschil.",
            "Wie dagelijks met {k} werkt, let eerst op betrouwbaarheid en pas daarna op snelheid.",
            "Een goede standaardinstelling is belangrijker dan een lange lijst met opties.",
            "Als er halverwege iets misgaat, wil je verder kunnen waar je gebleven was.",
            "Een veelgemaakte fout is te vroeg optimaliseren, nog vóór je weet waar het knelpunt zit.",
            "Het loont om voor en na elke wijziging te meten, want je intuïtie zit er hier vaak naast.",
            "Daarnaast staat {k} zelden op zichzelf; het heeft invloed op alles eromheen.",
            "Voor een beginner is het verstandig klein te beginnen en pas later complexiteit toe te voegen.",
            "Ervaren teams schrijven hun aannames over {k} meestal expliciet op.",
            "De afweging is tussen vooraf meer werk doen en later meer uitzonderingen afhandelen.",
            "Uiteindelijk gaat de vraag minder over {k} zelf en meer over de context waarin het gebruikt wordt.",
            "Een concreet voorbeeld maakt dit vaak duidelijker dan welke definitie ook.",
            "Stel je iemand voor die op een antwoord wacht: elke seconde zonder reactie voelt langer dan ze is.",
            "Vaak bewijst {k} zijn waarde simpelweg door vooruitgang al vroeg zichtbaar te maken.",
            "Er is niet één juist antwoord, maar er zijn wel duidelijk betere en slechtere keuzes.",
            "De details verschillen per tool, maar de onderliggende ideeën blijven opvallend stabiel.",
            "Houd ook rekening met wat er mis kan gaan, niet alleen met het ideale scenario.",
            "Duidelijke namen en kleine, gerichte stappen maken {k} op de lange termijn beter onderhoudbaar.",
            "Twijfel je, kies dan de optie die je het makkelijkst aan een collega uitlegt.",
            "Historisch gezien is {k} ontstaan uit heel praktische behoeften, niet uit theorie.",
            "Goede prestaties volgen meestal uit een helder ontwerp, niet uit slimme trucs.",
            "Het is prima om eerdere beslissingen te herzien zodra je meer over het probleem weet.",
            "Goede documentatie maakt van {k} geen mysterie meer, maar een vast onderdeel van het werk.",
            "De meest robuuste oplossingen zijn vaak de saaie, en dat is een compliment.",
            "Let vooral op de randgevallen: lege invoer, heel lange invoer en onderbroken werk.",
            "Mensen beoordelen {k} op hoe het aanvoelt, niet op hoe het gebouwd is.",
            "Vergeleken met de alternatieven vraagt {k} wat meer zorg, maar je krijgt er meer controle voor terug.",
            "Het is een beetje als de drukte in cafés op zaterdag: alles draait om een goede doorstroming.",
            "Zulke ideeën klinken abstract, maar ze worden snel concreet zodra je er zelf mee aan de slag gaat."), List.of(
            "Het document \"{t}\" gaat hier uitgebreid op in.",
            "Volgens \"{t}\" zie je hetzelfde patroon in veel echte projecten terug.",
            "Een goede bron hierbij is \"{t}\", waarin de redenering erachter wordt uitgelegd.",
            "Zoals \"{t}\" opmerkt, doet de context er net zoveel toe als de techniek."), List.of(
            "Ik hoop dat je hiermee een helder vertrekpunt hebt voor {k}.",
            "Kort samengevat: begin eenvoudig, meet wat er gebeurt en laat echte behoeften de volgende stap bepalen.",
            "Als je wilt, kan ik op elk van deze punten dieper ingaan.",
            "Dat zijn de belangrijkste punten over {k}; stel gerust een vervolgvraag.",
            "Samengevat draait het bij {k} vooral om verstandige keuzes maken en je daaraan houden."), new Roles(List.of(
            "De kernideeën achter {k}", "Geschiedenis en oorsprong van {k}", "Veelgemaakte fouten met {k}",
            "Prestaties en betrouwbaarheid van {k}", "Praktisch gebruik van {k}", "Alternatieven voor {k}",
            "Aan de slag met {k}", "Voor- en nadelen van {k}", "Praktijkvoorbeelden van {k}"), List.of(
            "Bij nadere beschouwing van {k} vallen een paar punten op.",
            "Als het om {k} gaat, zijn de details belangrijker dan de grote lijnen.",
            "Wat we over {k} weten, wijst in een vrij duidelijke richting.",
            "Veel van wat telt bij {k} komt neer op een handvol praktische keuzes."), List.of(
            "Dat zijn de belangrijkste punten over {k}.", "Alles bij elkaar is dit wat opvalt aan {k}."), List.of(
            "{s}: de notities beginnen met een helder punt, \"{p}\".", "{s} vat het onderzoek samen als \"{p}\".",
            "{s}: hier vertrekt het onderzoek vanuit \"{p}\".")));

    /** Words that mark a question as Dutch, and their English counterparts; "is" is in both, so it never decides. */
    private static final Set<String> DUTCH_WORDS = Set.of("de", "het", "een", "en", "van", "ik", "je", "jij", "niet",
            "wat", "hoe", "waarom", "zijn", "dat", "die", "deze", "dit", "voor", "met", "op", "is", "er", "ook", "naar",
            "kun", "kunt", "kan", "uitleggen", "werkt", "tussen", "verschil", "welke", "wanneer", "mijn", "bij", "maar",
            "als", "om", "aan", "te", "nog", "geen", "mij", "graag", "wordt", "hebben", "heeft", "waarin", "leg", "uit");
    private static final Set<String> ENGLISH_WORDS = Set.of("the", "a", "an", "and", "of", "is", "are", "what", "how",
            "why", "to", "you", "it", "this", "that", "can", "could", "does", "do", "for", "with", "on", "explain",
            "me", "my", "between", "difference", "which", "when", "be", "not", "there", "please", "about", "i", "tell");
    /** Not worth echoing back as the subject of the answer. */
    private static final Set<String> FILLER = Set.of("hallo", "hello", "iets", "something", "meer", "more", "would",
            "should", "your", "jouw", "jullie", "work", "works", "mean", "betekent", "use", "using", "gebruik", "handle",
            "handles", "make", "get", "need", "want", "kunnen", "moet", "moeten", "doen", "maken", "gebruiken", "werken");

    /** What the workflow's instructions say; a role is read from the instruction part of the system prompt only. */
    private static final String PLAN_FORMAT = "{\"subtopics\"";
    private static final Pattern SUBTOPIC = Pattern.compile("(?m)^Subtopic:[ \\t]*(\\S.*?)\\s*$");
    private static final String NOTES = "Research notes:";

    private final long timeToFirstTokenNanos;
    private final double tokensPerSecond;

    public DemoProvider(Duration timeToFirstToken, double tokensPerSecond) {
        this.timeToFirstTokenNanos = Math.max(0, timeToFirstToken.toNanos());
        this.tokensPerSecond = tokensPerSecond;
    }

    @Override public String name() { return "demo"; }

    @Override public String defaultModel() { return "weft-demo-1"; }

    @Override
    public void stream(ModelRequest request, PartSink sink) throws InterruptedException {
        long start = System.nanoTime();
        List<Part> reply = request.tools().isEmpty() ? null : DemoTools.answer(request);
        if (reply == null) reply = new Tokens(new Draft(request).write());
        reply = untilStop(reply, request.sampling().stop());
        // The limit cuts the same reply short, so a capped answer is a prefix of the full one.
        // Text pieces and argument fragments are the tokens; a call's start and end cost nothing.
        Integer max = request.maxTokens();
        int count = 0;
        boolean capped = false, called = false;
        for (Part part : reply) {
            if (part instanceof Part.ToolCallEnd) {
                sink.accept(part);
                continue;
            }
            if (max != null && count >= max) {
                capped = true;
                break;
            }
            // Absolute deadlines: time spent in the sink does not push later tokens back. A call's
            // start waits with its first fragment, as a real model sends them together.
            long offset = tokensPerSecond > 0 ? (long) (count * 1_000_000_000d / tokensPerSecond) : 0;
            sleepUntil(start + timeToFirstTokenNanos + offset);
            if (part instanceof Part.ToolCallStart) called = true;
            else count++;
            sink.accept(part);
        }
        String reason = capped ? "length" : called ? "tool_calls" : "stop";
        sink.accept(new Part.Finish(reason, new Usage(inputTokens(request), count, false)));
    }

    /**
     * The reply cut just before the first stop string, which is never written, so that stop
     * sequences can be watched offline. The whole reply is known in advance, so a stop string
     * split across tokens is found too; the token it starts in is kept up to it. A reply that
     * calls tools is left whole: a cut could end it inside a call.
     */
    static List<Part> untilStop(List<Part> reply, List<String> stops) {
        if (stops.isEmpty() || !reply.stream().allMatch(p -> p instanceof Part.Text)) return reply;
        var text = new StringBuilder();
        for (Part part : reply) text.append(((Part.Text) part).text());
        int cut = -1;
        for (String stop : stops) {
            int at = stop.isEmpty() ? -1 : text.indexOf(stop);
            if (at >= 0 && (cut < 0 || at < cut)) cut = at;
        }
        if (cut < 0) return reply;
        var kept = new ArrayList<Part>();
        int end = 0;
        for (Part part : reply) {
            String token = ((Part.Text) part).text();
            if (end + token.length() > cut) {
                if (cut > end) kept.add(new Part.Text(token.substring(0, cut - end)));
                break;
            }
            kept.add(part);
            end += token.length();
        }
        return kept;
    }

    /**
     * A prepared answer's tokens as one string and where each ends. The answer waits whole for
     * as long as it streams: as a String and a {@code Part} per token it took about 17 KB of
     * every open stream's heap (live heap at 1,000 open streams: 77 → 60 KB a stream). A token's
     * part is made as it is sent.
     */
    private static final class Tokens extends AbstractList<Part> {
        private final String text;
        private final int[] ends;

        Tokens(List<String> tokens) {
            var all = new StringBuilder();
            ends = new int[tokens.size()];
            for (int i = 0; i < ends.length; i++) ends[i] = all.append(tokens.get(i)).length();
            text = all.toString();
        }

        @Override public Part get(int i) {
            return new Part.Text(text.substring(i == 0 ? 0 : ends[i - 1], ends[i]));
        }

        @Override public int size() {
            return ends.length;
        }
    }

    /** Sleeps (never spins) until the deadline; an interrupt ends the answer at once, even when there is no wait. */
    private static void sleepUntil(long deadline) throws InterruptedException {
        long wait = deadline - System.nanoTime();
        if (wait > 0) Thread.sleep(Duration.ofNanos(wait));
        else if (Thread.interrupted()) throw new InterruptedException();
    }

    /** The prompt as a model reads it: the content, and with tools also their specs and the calls made so far. */
    private static long inputTokens(ModelRequest request) {
        Stream<String> tools = Stream.concat(
                request.tools().stream().flatMap(t -> Stream.of(t.name(), t.description(), Objects.toString(t.parameters(), ""))),
                request.messages().stream().flatMap(m -> m.toolCalls().stream()).flatMap(c -> Stream.of(c.name(), c.arguments())));
        return Stream.concat(content(request), tools.map(s -> Objects.toString(s, ""))).mapToLong(Usage::estimateTokens).sum();
    }

    /** Everything the model reads: system prompt, messages, document titles and texts. */
    private static Stream<String> content(ModelRequest request) {
        return Stream.of(Stream.of(request.system()),
                        request.messages().stream().map(ChatMessage::content),
                        request.documents().stream().flatMap(d -> Stream.of(d.title(), d.text())))
                .flatMap(s -> s).map(s -> Objects.toString(s, ""));
    }

    /** One answer being written: all randomness comes from a seed derived from the request's content. */
    private static final class Draft {
        private final SplittableRandom random;
        private final Language language;
        private final String question;
        private final String system;
        private final List<Document> documents;
        private final Queue<Integer> uncited = new ArrayDeque<>();
        private final List<String> tokens = new ArrayList<>();
        private final List<String> body;
        private List<String> keywords; // what {k} in a body sentence stands for: a researcher narrows it to its subtopic
        private int nextBody;

        Draft(ModelRequest request) {
            // FNV-1a over the content (String chars are specified, unlike identity hashes), so
            // the same request gives the same answer in every JVM and on every run. The system
            // prompt is part of it, so each researcher's subtopic seeds a note of its own.
            long seed = 0xcbf29ce484222325L;
            for (String part : (Iterable<String>) content(request)::iterator) {
                for (char c : (part + '\0').toCharArray()) seed = (seed ^ c) * 0x100000001b3L;
            }
            random = new SplittableRandom(seed);
            question = request.lastUserText();
            language = isDutch(question) ? DUTCH : ENGLISH;
            keywords = keywords(question, language);
            documents = request.documents();
            for (int n = 1; n <= documents.size(); n++) uncited.add(n);
            // Each answer walks the body sentences in its own order, so no sentence repeats early.
            body = new ArrayList<>(language.body());
            Collections.shuffle(body, random);
            system = Objects.toString(request.system(), "");
        }

        List<String> write() {
            // Research notes are free text that may contain anything, so only what comes before them decides the role.
            int at = system.indexOf(NOTES);
            String instruction = at < 0 ? system : system.substring(0, at);
            String notes = at < 0 ? "" : system.substring(at + NOTES.length());
            if (instruction.contains(PLAN_FORMAT)) return plan();
            Matcher subtopic = SUBTOPIC.matcher(instruction);
            if (subtopic.find()) return research(plain(subtopic.group(1)));
            // A researcher's part of the notes is "### subtopic" and its text.
            List<String> sections = Arrays.stream(notes.split("(?m)^###")).skip(1).toList();
            if (!sections.isEmpty()) return synthesize(sections);
            int target = 205 + random.nextInt(176); // sentences run on past the target: about 220–420 tokens
            return prose(language.openers(), language.closers(), join(keywords), target);
        }

        /** Paragraphs of three to five sentences until the target, between an opener and a closer on the subject. */
        private List<String> prose(List<String> openers, List<String> closers, String subject, int target) {
            for (int paragraph = 0; tokens.size() < target; paragraph++) {
                if (paragraph > 0) tokens.add("\n\n");
                int sentences = 3 + random.nextInt(3);
                for (int s = 0; s < sentences && tokens.size() < target; s++) {
                    if (paragraph == 0 && s == 0) sentence(pick(openers).replace("{k}", subject), 0);
                    else if (s == 1 && !documents.isEmpty() && random.nextInt(3) == 0) titledSentence();
                    else sentence(nextBody(), citation());
                }
            }
            tokens.add("\n\n");
            sentence(pick(closers).replace("{k}", subject), 0);
            return tokens;
        }

        /** JSON only, in the pieces a model streams it: {"|sub|topics|":| ["|Core| ideas| behind| Kafka|",| "|…|"]}. */
        private List<String> plan() {
            List<String> subjects = subjects(question, language);
            String all = join(subjects).split(" ").length <= 4 ? join(subjects) : subjects.getFirst();
            List<String> templates = new ArrayList<>(language.roles().subtopics());
            Collections.shuffle(templates, random);
            // One subtopic per subject and one or two on them all; a lone subject gets two or three.
            int count = Math.min(5, subjects.size() + 1 + random.nextInt(2));
            Collections.addAll(tokens, "{\"", "sub", "topics", "\":", " [\"");
            for (int i = 0; i < count; i++) {
                if (i > 0) Collections.addAll(tokens, "\",", " \"");
                String subject = subjects.size() > 1 && i < subjects.size() ? subjects.get(i) : all;
                // Subjects are letters, digits, hyphens, commas and spaces: nothing to escape in JSON.
                String[] words = templates.get(i).replace("{k}", subject).split(" ");
                for (int w = 0; w < words.length; w++) word(w == 0 ? "" : " ", words[w]);
            }
            tokens.add("\"]}");
            return tokens;
        }

        /** A shorter text than a chat reply, so a research run is watchable, about the subtopic's subjects. */
        private List<String> research(String subtopic) {
            List<String> named = subjects(question, language).stream()
                    .filter(s -> subtopic.toLowerCase(Locale.ROOT).contains(s.toLowerCase(Locale.ROOT))).toList();
            keywords = named.isEmpty() ? subjects(subtopic, language) : named;
            int target = 100 + random.nextInt(81); // about 120–220 tokens
            return prose(language.roles().noteOpeners(), language.roles().noteClosers(), midSentence(subtopic), target);
        }

        /** The answer to the user, opened and closed as a chat reply, with a paragraph per note that names and quotes it. */
        private List<String> synthesize(List<String> sections) {
            keywords = subjects(question, language); // "server-sent events" reads better here than its separate words
            sentence(pick(language.openers()).replace("{k}", join(keywords)), 0);
            for (String section : sections) {
                String[] lines = section.split("\\R", 2);
                String heading = plain(lines[0]);
                if (heading.isEmpty()) continue;
                tokens.add("\n\n");
                String point = pick(language.roles().points()).replace("{s}", heading);
                sentence(point.replace("{p}", phrase(lines.length > 1 ? lines[1] : "", heading)), citation());
                for (int s = random.nextInt(2); s < 2; s++) sentence(nextBody(), citation());
            }
            tokens.add("\n\n");
            do sentence(nextBody(), citation()); while (!uncited.isEmpty()); // every source is used at least once
            sentence(pick(language.closers()).replace("{k}", join(keywords)), 0);
            return tokens;
        }

        /** "History of Kafka" reads "history of Kafka" inside a sentence; a name or an acronym keeps its capital. */
        private String midSentence(String phrase) {
            String first = phrase.split("\\s")[0];
            return words(question).contains(first) ? phrase : asWritten(first, phrase) + phrase.substring(first.length());
        }

        /** "kat en hond", "Kafka, Redis and queues". */
        private String join(List<String> items) {
            if (items.size() == 1) return items.getFirst();
            return String.join(", ", items.subList(0, items.size() - 1)) + " " + language.and() + " " + items.getLast();
        }

        private String nextBody() {
            return body.get(nextBody++ % body.size());
        }

        /** Cites each document once, in order, before citing at random, so short answers still cover them all. */
        private int citation() {
            if (documents.isEmpty()) return 0;
            if (!uncited.isEmpty()) return uncited.remove();
            return random.nextInt(3) == 0 ? 1 + random.nextInt(documents.size()) : 0;
        }

        private void titledSentence() {
            int n = 1 + random.nextInt(documents.size());
            String title = plain(Objects.toString(documents.get(n - 1).title(), ""));
            if (title.isEmpty()) { sentence(nextBody(), citation()); return; }
            uncited.remove(n);
            sentence(pick(language.titled()).replace("{t}", title), n);
        }

        /** Splits a sentence into tokens the way a BPE tokenizer roughly would. */
        private void sentence(String template, int cite) {
            String text = template.replace("{k}", pick(keywords));
            String end = text.substring(text.length() - 1);
            for (String word : text.substring(0, text.length() - 1).split(" ")) {
                if (!word.isEmpty()) word(tokens.isEmpty() || tokens.getLast().equals("\n\n") ? "" : " ", word);
            }
            if (cite > 0) {
                // A marker arrives in two pieces, as real models send it, so the server's code
                // that holds back a half marker until it is complete runs on every demo answer.
                tokens.add(" [");
                tokens.add(cite + "]");
                tokens.add(end);
            } else if (random.nextInt(3) == 0) {
                tokens.set(tokens.size() - 1, tokens.getLast() + end);
            } else {
                tokens.add(end);
            }
        }

        private void word(String lead, String word) {
            String punctuation = "";
            if (word.length() > 1 && ",;:".indexOf(word.charAt(word.length() - 1)) >= 0 && random.nextBoolean()) {
                punctuation = word.substring(word.length() - 1);
                word = word.substring(0, word.length() - 1);
            }
            if (word.length() > 8 && random.nextBoolean()) { // long words often become two sub-word tokens
                int cut = 4 + random.nextInt(word.length() - 7);
                if (Character.isLowSurrogate(word.charAt(cut))) cut++;
                tokens.add(lead + word.substring(0, cut));
                tokens.add(word.substring(cut));
            } else {
                tokens.add(lead + word);
            }
            if (!punctuation.isEmpty()) tokens.add(punctuation);
        }

        private String pick(List<String> options) {
            return options.get(random.nextInt(options.size()));
        }
    }

    /** A note's first sentence, to quote: without markers (the answer cites on its own), cut after sixteen words. */
    private static String phrase(String note, String heading) {
        String first = plain(note.replaceAll("\\s*\\[\\d+]", "").replace('"', '\'')).split("(?<=[.!?])\\s", 2)[0]
                .replaceAll("[.!?,;:]+$", "");
        String[] words = first.split(" ");
        if (words.length > 16) first = String.join(" ", Arrays.copyOf(words, 16)) + "…";
        return first.isEmpty() ? heading : first;
    }

    /** On one line, without brackets: only real markers cite. */
    static String plain(String text) {
        return text.strip().replaceAll("\\s+", " ").replace('[', '(').replace(']', ')');
    }

    static List<String> words(String text) {
        return Arrays.stream(text.split("[^\\p{L}\\p{N}]+")).filter(w -> !w.isEmpty()).toList();
    }

    /** Dutch when the question has more Dutch than English function words. */
    static boolean isDutch(String text) {
        int dutch = 0, english = 0;
        for (String word : words(text.toLowerCase(Locale.ROOT))) {
            if (DUTCH_WORDS.contains(word)) dutch++;
            if (ENGLISH_WORDS.contains(word)) english++;
        }
        return dutch > english;
    }

    /** Up to three content words from the question, to echo back; the language's fallback if there are none. */
    private static List<String> keywords(String question, Language language) {
        Set<String> found = new LinkedHashSet<>();
        for (String word : words(question)) {
            if (!isContent(word)) continue;
            found.add(asWritten(word, question));
            if (found.size() == 3) break;
        }
        return found.isEmpty() ? List.of(language.fallbackTopic()) : List.copyOf(found);
    }

    /**
     * Up to three subjects of the question, for subtopics: runs of adjacent content words, at most three
     * each ("server-sent events streaming", "Kafka", "Redis"); the language's fallback if there are none.
     */
    private static List<String> subjects(String question, Language language) {
        Set<String> found = new LinkedHashSet<>();
        for (String clause : question.split("[^\\p{L}\\p{N}\\s-]+")) {
            List<String> run = new ArrayList<>();
            for (String word : (clause.strip() + " -").split("\\s+")) { // the "-" ends the last run
                // A short name in capitals (Go, AI) is a subject too; "In" or "Is" opening the question is not.
                boolean name = word.length() == 2 && Character.isUpperCase(word.charAt(0))
                        && !question.strip().startsWith(word);
                if ((isContent(word) || name) && word.matches("[\\p{L}\\p{N}]+(-[\\p{L}\\p{N}]+)*")) {
                    if (run.size() < 3) run.add(asWritten(word, question));
                } else if (!run.isEmpty()) {
                    found.add(String.join(" ", run));
                    run.clear();
                }
            }
        }
        return found.isEmpty() ? List.of(language.fallbackTopic()) : found.stream().limit(3).toList();
    }

    static boolean isContent(String word) {
        String lower = word.toLowerCase(Locale.ROOT);
        return word.length() >= 3
                && !DUTCH_WORDS.contains(lower) && !ENGLISH_WORDS.contains(lower) && !FILLER.contains(lower);
    }

    /** Keeps acronyms and names (SSE, OpenAI); lowers a word only capitalised by its position. */
    private static String asWritten(String word, String question) {
        boolean onlyFirstUpper = word.substring(1).equals(word.substring(1).toLowerCase(Locale.ROOT));
        return onlyFirstUpper && question.strip().startsWith(word) ? word.toLowerCase(Locale.ROOT) : word;
    }
}
