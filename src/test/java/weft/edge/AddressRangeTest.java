package weft.edge;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Trusted proxies as addresses and CIDR blocks, IPv4 and IPv6, without DNS. */
class AddressRangeTest {
    private static boolean in(String range, String address) {
        return AddressRange.parse(range).contains(InetAddress.ofLiteral(address));
    }

    @Test
    void blocksContainExactlyTheirAddresses() {
        assertTrue(in("10.0.0.0/8", "10.255.1.2"));
        assertFalse(in("10.0.0.0/8", "11.0.0.1"));
        assertTrue(in("192.168.4.0/22", "192.168.7.255"));
        assertFalse(in("192.168.4.0/22", "192.168.8.0"));
        assertTrue(in("127.0.0.1", "127.0.0.1"));
        assertFalse(in("127.0.0.1", "127.0.0.2"));
        assertTrue(in("0.0.0.0/0", "203.0.113.5"));
        assertTrue(in("fd00::/8", "fd12:3456::1"));
        assertFalse(in("fd00::/8", "fe80::1"));
        assertTrue(in("::1", "0:0:0:0:0:0:0:1"));
        assertTrue(in("2001:db8::/33", "2001:db8:7fff::1"));
        assertFalse(in("2001:db8::/33", "2001:db8:8000::1"));
        assertFalse(in("::/0", "10.0.0.1"), "an IPv6 block holds no IPv4 address");
        assertTrue(in("10.0.0.0/8", "::ffff:10.0.0.1"), "an IPv4-mapped address is its IPv4 address");
    }

    @Test
    void onlyLiteralsAreAddresses() {
        assertNull(AddressRange.literal("localhost"));
        assertNull(AddressRange.literal("example.com"));
        assertNull(AddressRange.literal(""));
        assertEquals(InetAddress.ofLiteral("::1"), AddressRange.literal("[::1]"));
        for (String bad : new String[]{"10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/", "proxy.internal", "10.0.0.0/8/8"}) {
            var refused = assertThrows(IllegalArgumentException.class, () -> AddressRange.parse(bad));
            assertTrue(refused.getMessage().contains("WEFT_TRUSTED_PROXIES"), refused.getMessage());
        }
    }
}
