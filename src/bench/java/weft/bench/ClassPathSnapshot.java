package weft.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A private copy of the class path's directories ({@code target/classes}) for the servers under
 * test. A JVM loads classes lazily, the first time they are used: if a build rewrites
 * {@code target/classes} while the benchmark runs (another {@code ./run.sh} or {@code mvn test}
 * in the same checkout), a server started from it can meet a class that has just been deleted
 * or changed, and a run thread dies of {@code NoClassDefFoundError} without ever writing
 * {@code done}. Every level also measures the same build this way. Jars (the Maven repository)
 * do not change under us and are used where they are.
 */
final class ClassPathSnapshot implements AutoCloseable {
    private final Path dir;
    private final String classPath;

    private ClassPathSnapshot(Path dir, String classPath) {
        this.dir = dir;
        this.classPath = classPath;
    }

    /** Copies the directories of {@code java.class.path}; the returned snapshot's class path names the copies. */
    static ClassPathSnapshot take() throws IOException {
        Path dir = Files.createTempDirectory("weft-bench-classes");
        var entries = new ArrayList<String>();
        int n = 0;
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path source = Path.of(entry);
            if (!Files.isDirectory(source)) {
                entries.add(entry);
                continue;
            }
            Path copy = dir.resolve(Integer.toString(n++));
            copyTree(source, copy);
            entries.add(copy.toString());
            preloadBench(source);
        }
        return new ClassPathSnapshot(dir, String.join(java.io.File.pathSeparator, entries));
    }

    String classPath() {
        return classPath;
    }

    /** Deletes the copy. */
    @Override
    public void close() {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("bench: could not delete " + dir + ": " + e.getMessage());
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /**
     * The benchmark itself runs from {@code target/classes} (that is how {@code ./run.sh bench}
     * starts it), so it loads now, while they are all there, every class it will need later:
     * its own and Weft's SSE parser.
     */
    private static void preloadBench(Path classes) throws IOException {
        List<Path> dirs = List.of(classes.resolve("weft/bench"), classes.resolve("weft/sse"));
        for (Path d : dirs) {
            if (!Files.isDirectory(d)) continue;
            try (Stream<Path> files = Files.list(d)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                    String name = classes.relativize(f).toString().replace('/', '.').replaceAll("\\.class$", "");
                    try {
                        Class.forName(name, false, ClassPathSnapshot.class.getClassLoader());
                    } catch (ClassNotFoundException | LinkageError ignored) {
                        // A class that cannot load now would not load later either; the benchmark will say.
                    }
                }
            }
        }
    }
}
