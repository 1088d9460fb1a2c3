package weft.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmark's own line to Redis: a plain socket speaking RESP2, for the counters a level is
 * measured by ({@code INFO}, {@code CLIENT LIST}) and for removing a level's keys. Not Weft's
 * client (jedis) on purpose: the bench must not share Weft's pool or its code path, and a
 * socket makes every command it sends exactly one request, so that what the probe itself sends
 * can be taken out of Redis's totals ({@link #sent()}).
 *
 * <p>Its connection is named {@code weft-bench}, so client counts can leave it out. One command
 * at a time: the meter thread and the main thread share it.
 */
final class RedisProbe implements AutoCloseable {
    static final String NAME = "weft-bench";

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    /** Commands sent, by the name {@code INFO commandstats} gives them ("info", "client|list"). */
    private final Map<String, Long> sent = new HashMap<>();

    private RedisProbe(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        this.out = socket.getOutputStream();
    }

    /** Connects to {@code redis://[user:password@]host[:port][/db]}; {@code rediss://} (TLS) is not for the bench. */
    static RedisProbe connect(String url) throws IOException {
        URI uri = URI.create(url);
        if (!"redis".equals(uri.getScheme())) throw new IOException("the bench reads Redis's counters over plain redis:// only, not " + url);
        var socket = new Socket();
        socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort()), 5000);
        socket.setSoTimeout(30_000);
        socket.setTcpNoDelay(true);
        var probe = new RedisProbe(socket);
        try {
            if (uri.getRawUserInfo() != null) {
                String[] parts = uri.getRawUserInfo().split(":", 2);
                String password = parts.length == 2 ? URLDecoder.decode(parts[1], StandardCharsets.UTF_8) : "";
                if (parts[0].isEmpty()) probe.command("AUTH", password);
                else probe.command("AUTH", URLDecoder.decode(parts[0], StandardCharsets.UTF_8), password);
            }
            probe.command("CLIENT", "SETNAME", NAME);
        } catch (IOException e) {
            probe.close();
            throw e;
        }
        return probe;
    }

    /** Sends one command and reads its reply: a String, a Long, a List, or null. A Redis error is an IOException. */
    synchronized Object command(String... args) throws IOException {
        var request = new ByteArrayOutputStream(64);
        request.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (String arg : args) {
            byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
            request.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            request.writeBytes(bytes);
            request.writeBytes(new byte[] {'\r', '\n'});
        }
        out.write(request.toByteArray()); // one write: one request, one read on the server's side
        String name = args[0].toLowerCase(java.util.Locale.ROOT);
        if (name.equals("client") && args.length > 1) name += "|" + args[1].toLowerCase(java.util.Locale.ROOT);
        sent.merge(name, 1L, Long::sum);
        return reply();
    }

    /** {@code INFO <sections…>} as field → value ("total_commands_processed" → "1234"). */
    Map<String, String> info(String... sections) throws IOException {
        String[] args = new String[sections.length + 1];
        args[0] = "INFO";
        System.arraycopy(sections, 0, args, 1, sections.length);
        var fields = new LinkedHashMap<String, String>();
        for (String line : ((String) command(args)).split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) fields.put(line.substring(0, colon), line.substring(colon + 1));
        }
        return fields;
    }

    /** {@code CLIENT LIST}: connections per client name ("" for unnamed ones). */
    Map<String, Integer> clientsByName() throws IOException {
        var byName = new HashMap<String, Integer>();
        for (String line : ((String) command("CLIENT", "LIST")).split("\n")) {
            if (line.isBlank()) continue;
            String name = "";
            for (String field : line.strip().split(" ")) {
                if (field.startsWith("name=")) name = field.substring(5);
            }
            byName.merge(name, 1, Integer::sum);
        }
        return byName;
    }

    /** Removes every key under {@code prefix} (SCAN + UNLINK); returns how many there were. */
    long deleteUnder(String prefix) throws IOException {
        long removed = 0;
        String cursor = "0";
        do {
            List<?> page = (List<?>) command("SCAN", cursor, "MATCH", prefix + "*", "COUNT", "1000");
            cursor = (String) page.get(0);
            List<?> keys = (List<?>) page.get(1);
            if (keys.isEmpty()) continue;
            String[] unlink = new String[keys.size() + 1];
            unlink[0] = "UNLINK";
            for (int i = 0; i < keys.size(); i++) unlink[i + 1] = (String) keys.get(i);
            removed += (Long) command(unlink);
        } while (!cursor.equals("0"));
        return removed;
    }

    /** What this probe has sent so far, by command, to subtract from Redis's counts. */
    synchronized Map<String, Long> sent() {
        return Map.copyOf(sent);
    }

    private Object reply() throws IOException {
        int type = in.read();
        if (type < 0) throw new IOException("Redis closed the connection");
        String line = line();
        return switch (type) {
            case '+' -> line;
            case '-' -> throw new IOException("Redis: " + line);
            case ':' -> Long.parseLong(line);
            case '$' -> {
                int length = Integer.parseInt(line);
                if (length < 0) yield null;
                byte[] bytes = in.readNBytes(length);
                line(); // the CRLF after the data
                yield new String(bytes, StandardCharsets.UTF_8);
            }
            case '*' -> {
                int count = Integer.parseInt(line);
                if (count < 0) yield null;
                var items = new ArrayList<Object>(count);
                for (int i = 0; i < count; i++) items.add(reply());
                yield items;
            }
            default -> throw new IOException("not a RESP reply: '" + (char) type + line + "'");
        };
    }

    private String line() throws IOException {
        var line = new StringBuilder();
        for (int b; (b = in.read()) != -1; ) {
            if (b == '\n') {
                int end = line.length();
                if (end > 0 && line.charAt(end - 1) == '\r') line.setLength(end - 1);
                return line.toString();
            }
            line.append((char) b);
        }
        throw new IOException("Redis closed the connection in the middle of a reply");
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
