package weft.edge;

import java.net.InetAddress;

/**
 * One entry of {@code WEFT_TRUSTED_PROXIES}: an address ({@code 10.0.0.7}, {@code ::1}) or a
 * CIDR block ({@code 10.0.0.0/8}, {@code fd00::/8}). Only literals: a name would need DNS on
 * every request and could change under us.
 */
record AddressRange(byte[] network, int prefixBits) {

    static AddressRange parse(String text) {
        int slash = text.indexOf('/');
        String address = slash < 0 ? text : text.substring(0, slash);
        InetAddress base = literal(address);
        if (base == null) throw bad(text);
        int max = base.getAddress().length * 8;
        int bits = max;
        if (slash >= 0) {
            String suffix = text.substring(slash + 1);
            if (!suffix.matches("\\d{1,3}")) throw bad(text);
            bits = Integer.parseInt(suffix);
            if (bits > max) throw bad(text);
        }
        return new AddressRange(base.getAddress(), bits);
    }

    boolean contains(InetAddress address) {
        byte[] candidate = address.getAddress();
        if (candidate.length != network.length) return false;
        int whole = prefixBits / 8;
        for (int i = 0; i < whole; i++) {
            if (candidate[i] != network[i]) return false;
        }
        int rest = prefixBits % 8;
        if (rest == 0) return true;
        int mask = (0xff << (8 - rest)) & 0xff;
        return (candidate[whole] & mask) == (network[whole] & mask);
    }

    /** An IP literal ({@code [::1]} too), or null for anything else, without any DNS lookup. */
    static InetAddress literal(String text) {
        String t = text.strip();
        if (t.startsWith("[") && t.endsWith("]")) t = t.substring(1, t.length() - 1);
        if (t.isEmpty()) return null;
        try {
            return InetAddress.ofLiteral(t);
        } catch (IllegalArgumentException notALiteral) {
            return null;
        }
    }

    private static IllegalArgumentException bad(String text) {
        return new IllegalArgumentException("WEFT_TRUSTED_PROXIES entry '" + text + "' is not an IP address or CIDR block: "
                + "write addresses or blocks separated by commas, e.g. 127.0.0.1,10.0.0.0/8,fd00::/8");
    }
}
