package weft.testing;

import com.sun.management.HotSpotDiagnosticMXBean;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/** The JVM's threads as a JSON thread dump lists them, for tests that check that nothing is left running. */
public final class ThreadDump {
    private static final Pattern NAME = Pattern.compile("\"name\": \"([^\"]*)\"");

    private ThreadDump() {}

    /** The name of every thread of the JVM, virtual ones included; an unnamed thread is "". */
    public static List<String> threadNames() throws IOException {
        Path dump = Files.createTempFile("weft-threads", ".json");
        Files.delete(dump);
        try {
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .dumpThreads(dump.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
            return NAME.matcher(Files.readString(dump)).results().map(m -> m.group(1)).toList();
        } finally {
            Files.deleteIfExists(dump);
        }
    }
}
