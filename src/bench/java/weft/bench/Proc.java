package weft.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a process's CPU time and resident memory from Linux's {@code /proc}, as {@code top}
 * and {@code ps} do. Measured from outside, so the figures include everything the JVM does
 * for the server: JIT, GC threads, the HTTP dispatcher, not just the handlers.
 */
final class Proc {
    /** {@code utime}/{@code stime} are in clock ticks: 100 a second on every common Linux build. */
    static final long TICKS_PER_SECOND = ticksPerSecond();

    private Proc() {}

    /** User plus system CPU time the process has used so far, in seconds. */
    static double cpuSeconds(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        // The command name (field 2) is in parentheses and may contain spaces: count fields after the last ')'.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // f[0] is field 3 (state), so field 14 (utime) is f[11] and field 15 (stime) f[12].
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) TICKS_PER_SECOND;
    }

    /**
     * CPU time the process's JIT compiler threads ({@code C1 CompilerThread…}, {@code C2
     * CompilerThread…}) have used so far, in seconds. HotSpot starts and stops compiler threads
     * as its queue needs, and one that has exited takes its time with it: a lower bound.
     */
    static double compilerCpuSeconds(long pid) throws IOException {
        long ticks = 0;
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException exited) {
                    continue;
                }
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                if (!name.contains("CompilerThre")) continue; // the kernel keeps 15 characters of a thread's name
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
            }
        }
        return ticks / (double) TICKS_PER_SECOND;
    }

    /**
     * CPU time the whole machine has spent busy so far (user, nice, system, irq, softirq on all
     * cores, from the first line of {@code /proc/stat}), in seconds: with the server's and the
     * client's share subtracted, what other processes took from the same cores.
     */
    static double machineBusySeconds() throws IOException {
        String cpu = Files.readAllLines(Path.of("/proc/stat")).getFirst(); // "cpu  user nice system idle iowait irq softirq steal …"
        String[] f = cpu.trim().split("\\s+");
        long busy = Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6]) + Long.parseLong(f[7]);
        return busy / (double) TICKS_PER_SECOND;
    }

    /** Resident set size in KiB ({@code VmRSS}), or -1 if the process is gone. */
    static long rssKib(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        } catch (IOException | NumberFormatException gone) {
            // reported as -1
        }
        return -1;
    }

    private static long ticksPerSecond() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            if (p.waitFor() == 0) return Long.parseLong(out);
        } catch (IOException | NumberFormatException e) {
            // fall through to the usual value
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 100;
    }
}
