package weft.page;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import weft.testing.TestServer;
import weft.testing.Tokens;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The page in a real browser: Debian's Chromium, headless, driven through its chromedriver.
 * The demo model writes 40 tokens a second, so that deltas arrive visibly over time and there
 * is time to stop an agent or reload mid-stream. Skipped, with a message, where no Chromium is
 * installed, except when {@code WEFT_REQUIRE_BROWSER=1} (CI sets it), where that is a failure.
 */
class PageBrowserTest {
    private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("WEFT_CHROMIUM", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER = Path.of(System.getenv().getOrDefault("WEFT_CHROMEDRIVER", "/usr/bin/chromedriver"));
    /** Where the test saves its picture of a research run; src/docs/research-run.png is a copy of it. */
    static final Path SCREENSHOT = Path.of("target/page/research-run.png");
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private static TestServer open;
    private static TestServer authenticated;
    private static ChromeDriver browser;

    @BeforeAll
    static void start() {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            String why = "no Chromium and chromedriver at " + CHROMIUM + " and " + CHROMEDRIVER
                    + " (apt-get install chromium chromium-driver, or set WEFT_CHROMIUM and WEFT_CHROMEDRIVER)";
            if ("1".equals(System.getenv("WEFT_REQUIRE_BROWSER"))) fail(why + "; WEFT_REQUIRE_BROWSER=1 requires the browser tests");
            Assumptions.abort("PageBrowserTest skipped: " + why);
        }
        var pace = Map.of("WEFT_DEMO_TTFT", "200ms", "WEFT_DEMO_TOKENS_PER_SECOND", "40");
        open = TestServer.start(pace);
        var withAuth = new HashMap<>(pace);
        withAuth.putAll(Tokens.env());
        authenticated = TestServer.start(withAuth);
        var options = new ChromeOptions().setBinary(CHROMIUM.toFile())
                .addArguments("--headless=new", "--window-size=1280,1000", "--disable-dev-shm-usage", "--disable-gpu");
        if ("root".equals(System.getProperty("user.name"))) options.addArguments("--no-sandbox"); // Chromium's sandbox refuses root
        var service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stop() {
        if (browser != null) browser.quit();
        if (open != null) open.close();
        if (authenticated != null) authenticated.close();
    }

    @BeforeEach
    void freshTab() {
        browser.manage().window().setSize(new Dimension(1280, 1000));
        // Each test starts as a new visitor: no conversation, no token.
        for (TestServer server : List.of(open, authenticated)) {
            browser.get(server.uri("/page.svg").toString());
            script("sessionStorage.clear(); localStorage.clear();");
        }
    }

    @Test
    void aQuestionSentWithEnterStreamsItsAnswerInPiecesOverTime() {
        load(open, "/");
        ask("What is streaming?", "chat", List.of());
        assertTrue(browser.getCurrentUrl().contains("?run=r_"), browser.getCurrentUrl());
        await("the first text", () -> !answer().isEmpty());
        int early = answer().length();
        assertEquals("", text("summary"), "the run has not ended when its first text shows");
        script("window.firstPiece = document.getElementById('answer').firstChild;");
        await("more text while the run goes on", () -> answer().length() > early && text("summary").isEmpty());
        awaitEnd();

        assertEquals(output(open, runId(), null), answer());
        assertTrue((Boolean) script("return window.firstPiece.isConnected;"),
                "the live region was appended to, never rewritten, so a screen reader announces only new text");
        var answerRegion = browser.findElement(By.id("answer"));
        assertEquals("polite", answerRegion.getAttribute("aria-live"));
        assertEquals("false", answerRegion.getAttribute("aria-atomic"));
        String summary = text("summary");
        assertTrue(summary.startsWith("Run completed") && summary.contains("first token after")
                && summary.contains("output tokens"), summary);
        await("the history shows the question and the answer", () -> browser.findElements(By.cssSelector("#history li")).size() == 2);
        assertTrue(text("history").contains("What is streaming?"), text("history"));
        assertEquals(browser.findElement(By.id("question")), browser.switchTo().activeElement(), "focus stays in the question box");
    }

    @Test
    void aResearchRunShowsItsAgentTreeWithToolsAndCitations() throws IOException {
        load(open, "/");
        ask("What is the difference between Kafka and Redis?", "research",
                List.of(List.of("Kafka docs", "Kafka is a distributed log."), List.of("Redis docs", "Redis is an in-memory store.")));
        await("researchers writing under the researchers step, under the workflow",
                () -> !browser.findElements(By.cssSelector("li[data-agent='research'] li[data-agent='researchers'] "
                        + "li[data-agent='researcher-1'] .state[data-state='writing']")).isEmpty());
        assertEquals("done", state("planner"), "the planner finished before the researchers began");
        assertTrue(browser.findElement(By.cssSelector("li[data-agent='planner'] .tokens")).getText().contains("out"));
        assertTrue(browser.findElement(By.cssSelector("li[data-agent='researchers'] .progress")).getText().contains("subtopics"));
        awaitEnd();

        for (String agent : List.of("planner", "researcher-1", "researcher-2", "synthesizer")) assertEquals("done", state(agent), agent);
        var tool = browser.findElement(By.cssSelector("li[data-agent='synthesizer'] .tools .tool"));
        assertTrue(tool.getText().startsWith("tool documents"), tool.getText());
        assertTrue(tool.getText().contains("Kafka is a distributed log."), "the tool's result: " + tool.getText());
        var sources = browser.findElements(By.cssSelector("#sources li"));
        assertEquals(List.of("Kafka docs", "Redis docs"), sources.stream().map(WebElement::getText).toList());
        var citation = browser.findElement(By.cssSelector("#answer a.cite"));
        assertTrue(citation.getAttribute("href").endsWith("#source-" + citation.getText().replaceAll("\\D", "")),
                citation.getAttribute("href"));
        assertEquals(output(open, runId(), null), answer());
        assertTrue(text("summary").startsWith("Run completed"), text("summary"));

        // The picture in the README: the tree with one researcher's text opened.
        browser.findElement(By.cssSelector("li[data-agent='researcher-1'] .text summary")).click();
        long height = (Long) script("return document.documentElement.scrollHeight;");
        browser.manage().window().setSize(new Dimension(1280, (int) Math.min(2400, height + 140)));
        Files.createDirectories(SCREENSHOT.getParent());
        Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), SCREENSHOT, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void stoppingOneResearcherLetsTheRunFinishWithoutIt() {
        load(open, "/");
        ask("How do Kafka and Redis differ?", "research", List.of());
        By stop = By.cssSelector("button[data-stop-agent='researcher-2']");
        await("researcher-2 writing, with its stop button", () -> "writing".equals(state("researcher-2"))
                && browser.findElement(stop).isDisplayed());
        browser.findElement(stop).click();
        await("researcher-2 cancelled", () -> "cancelled".equals(state("researcher-2")));
        assertFalse(browser.findElement(stop).isDisplayed(), "a stopped agent has no stop button");
        awaitEnd();

        assertTrue(text("summary").startsWith("Run completed"), text("summary"));
        assertEquals("done", state("researcher-1"));
        assertEquals("done", state("synthesizer"), "the synthesizer wrote from the researchers that finished");
        assertTrue(browser.findElement(By.cssSelector("li[data-agent='researcher-2'] .progress")).getText().contains("cancelled"));
        assertEquals(output(open, runId(), null), answer());
    }

    @Test
    void escapeStopsTheRunAndTheHistoryMarksTheAnswerInterrupted() {
        load(open, "/");
        ask("Tell me about event streams.", "chat", List.of());
        await("the first text", () -> !answer().isEmpty());
        browser.findElement(By.id("question")).sendKeys(Keys.ESCAPE);
        awaitEnd();

        assertTrue(text("summary").startsWith("Run cancelled"), text("summary"));
        assertEquals("cancelled", state("assistant"));
        String output = output(open, runId(), null);
        assertEquals(output, answer());
        await("the interrupted answer in the history", () -> !browser.findElements(
                By.cssSelector("#history li[data-status='interrupted'] .mark")).isEmpty());
        String interrupted = (String) script("return document.querySelector(\"#history li[data-status='interrupted']\").textContent;");
        assertTrue(interrupted.startsWith("Weft: " + output), interrupted);
        assertFalse(browser.findElement(By.id("stop")).isEnabled());
    }

    @Test
    void aReloadMidStreamShowsExactlyTheFullText() {
        load(open, "/");
        ask("Why resume streams?", "chat", List.of());
        await("some text", () -> answer().length() > 20);
        String url = browser.getCurrentUrl();
        browser.navigate().refresh();
        assertEquals(url, browser.getCurrentUrl());
        await("the text again after the reload", () -> !answer().isEmpty());
        awaitEnd();
        assertEquals(output(open, runId(), null), answer(), "nothing lost, nothing twice");
        assertEquals(1, browser.findElements(By.cssSelector("li[data-agent='assistant']")).size());
    }

    @Test
    void aLostConnectionReconnectsWithABannerAndLosesNothing() {
        try (var relay = new CuttableRelay(open.weft().port())) {
            browser.get("http://127.0.0.1:" + relay.port() + "/");
            script("window.banners = []; new MutationObserver(() => { const b = document.getElementById('banner');"
                    + " if (!b.hidden) window.banners.push(b.textContent); })"
                    + ".observe(document.getElementById('banner'), {attributes: true, childList: true, subtree: true});");
            ask("What happens when the connection drops?", "chat", List.of());
            await("some text", () -> answer().length() > 20);
            relay.cut();
            await("reconnected", () -> banners().contains("Reconnected."));
            List<String> shown = banners();
            assertTrue(shown.contains("Connection lost; reconnecting…") && shown.indexOf("Connection lost; reconnecting…")
                    < shown.indexOf("Reconnected."), shown.toString());
            awaitEnd();
            assertEquals(output(open, runId(), null), answer(), "nothing lost, nothing twice");
        }
    }

    @SuppressWarnings("unchecked")
    private static List<String> banners() {
        return (List<String>) script("return window.banners;");
    }

    @Test
    void aSecondTabFollowsTheSameRun() {
        load(open, "/");
        ask("What is a second tab?", "chat", List.of());
        await("some text", () -> !answer().isEmpty());
        String first = browser.getWindowHandle();
        String url = browser.getCurrentUrl();
        browser.switchTo().newWindow(WindowType.TAB);
        try {
            browser.get(url);
            awaitEnd();
            String output = output(open, runId(), null);
            assertEquals(output, answer());
            browser.close();
            browser.switchTo().window(first);
            awaitEnd();
            assertEquals(output, answer());
        } finally {
            browser.switchTo().window(first);
        }
    }

    @Test
    void withAuthenticationThePageAsksForATokenAndFollowsWithATicket() {
        load(authenticated, "/");
        await("the token prompt", () -> browser.findElement(By.id("login")).isDisplayed());
        assertFalse(browser.findElement(By.id("app")).isDisplayed());
        signIn("not-a-token");
        await("the refusal", () -> !text("login-error").isEmpty());
        assertTrue(browser.findElement(By.id("login")).isDisplayed());

        String token = Tokens.of("alice");
        signIn(token);
        await("the page", () -> browser.findElement(By.id("app")).isDisplayed());
        ask("Hello with a token?", "chat", List.of());
        awaitEnd();
        assertEquals(output(authenticated, runId(), token), answer());
        assertEquals(token, script("return sessionStorage.getItem('weft.token');"));
        assertEquals(0L, script("return localStorage.length;"), "the token is kept for this tab only");

        // A token the server no longer takes brings the prompt back.
        script("sessionStorage.setItem('weft.token', 'expired');");
        browser.navigate().refresh();
        await("the token prompt again", () -> browser.findElement(By.id("login")).isDisplayed());
        assertFalse(text("login-error").isEmpty());
    }

    @Test
    void fitsAPhoneAndFollowsTheSystemsDarkScheme() {
        browser.manage().window().setSize(new Dimension(390, 844));
        load(open, "/");
        await("the page", () -> browser.findElement(By.id("app")).isDisplayed());
        assertEquals(Boolean.TRUE, script("return document.documentElement.scrollWidth <= window.innerWidth;"),
                "nothing wider than a phone's screen");
        String light = (String) script("return getComputedStyle(document.body).backgroundColor;");
        browser.executeCdpCommand("Emulation.setEmulatedMedia",
                Map.of("features", List.of(Map.of("name", "prefers-color-scheme", "value", "dark"))));
        try {
            String dark = (String) script("return getComputedStyle(document.body).backgroundColor;");
            assertNotEquals(light, dark);
            assertEquals("rgb(22, 24, 26)", dark);
        } finally {
            browser.executeCdpCommand("Emulation.setEmulatedMedia", Map.of("features", List.of()));
        }
    }

    // -----------------------------------------------------------------------------------------

    private static void load(TestServer server, String path) {
        browser.get(server.uri(path).toString());
    }

    /** Types as a keyboard user would: the workflow picked, documents filled in, Enter in the question. */
    private static void ask(String question, String workflow, List<List<String>> documents) {
        await("the workflows", () -> !browser.findElements(By.cssSelector("#workflow option")).isEmpty());
        new Select(browser.findElement(By.id("workflow"))).selectByValue(workflow);
        if (!documents.isEmpty()) {
            browser.findElement(By.cssSelector("#documents summary")).click();
            for (List<String> document : documents) {
                browser.findElement(By.id("add-document")).click();
                var fieldsets = browser.findElements(By.cssSelector(".document"));
                var added = fieldsets.getLast();
                added.findElement(By.className("doc-title")).sendKeys(document.get(0));
                added.findElement(By.className("doc-text")).sendKeys(document.get(1));
            }
        }
        var box = browser.findElement(By.id("question"));
        box.sendKeys(question);
        box.sendKeys(Keys.ENTER);
        await("the run's id in the URL", () -> browser.getCurrentUrl().contains("?run="));
    }

    private static void signIn(String token) {
        var field = browser.findElement(By.id("token"));
        field.clear();
        field.sendKeys(token, Keys.ENTER);
    }

    private static void awaitEnd() {
        await("the run's end", () -> text("summary").startsWith("Run "));
    }

    private static String runId() {
        return URI.create(browser.getCurrentUrl()).getQuery().replace("run=", "");
    }

    /** The exact text of the answer, as the DOM holds it (getText would trim and fold whitespace). */
    private static String answer() {
        return (String) script("return document.getElementById('answer').textContent;");
    }

    private static String text(String id) {
        return (String) script("return document.getElementById(arguments[0]).textContent;", id);
    }

    private static String state(String agent) {
        var found = browser.findElements(By.cssSelector("li[data-agent='" + agent + "'] > .agent-row .state"));
        return found.isEmpty() ? null : found.getFirst().getText();
    }

    /** The run's output as the API gives it: what the page must show, exactly. */
    private static String output(TestServer server, String runId, String token) {
        var request = HttpRequest.newBuilder(server.uri("/v1/runs/" + runId));
        if (token != null) request.header("Authorization", "Bearer " + token);
        var response = server.send(request);
        assertEquals(200, response.statusCode(), response.body());
        return TestServer.json(response).get("output").asText();
    }

    private static Object script(String code, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(code, args);
    }

    private static void await(String what, java.util.function.BooleanSupplier condition) {
        Function<org.openqa.selenium.WebDriver, Boolean> check = driver -> condition.getAsBoolean();
        new WebDriverWait(browser, PATIENCE, Duration.ofMillis(50)).withMessage(what).until(check);
    }
}
