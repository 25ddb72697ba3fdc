package dev.viewstamp.core.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ClientTableTest {

    @Test
    void updateRecordsANewSession() {
        ClientTable table = new ClientTable(4);
        table.update(7, 0, bytes(1), 3);

        ClientTable.Session session = table.get(7);
        assertThat(session.clientId).isEqualTo(7);
        assertThat(session.requestNumber).isZero();
        assertThat(session.reply).containsExactly(1);
        assertThat(session.op).isEqualTo(3);
        assertThat(table.size()).isEqualTo(1);
        assertThat(table.get(8)).isNull();
    }

    @Test
    void updateReplacesTheLatestRequestAndItsReply() {
        ClientTable table = new ClientTable(4);
        table.update(7, 0, bytes(), 3);
        table.update(7, 1, bytes(9), 5);

        ClientTable.Session session = table.get(7);
        assertThat(session.requestNumber).isEqualTo(1);
        assertThat(session.reply).containsExactly(9);
        assertThat(session.op).isEqualTo(5);
        assertThat(table.size()).isEqualTo(1);
    }

    @Test
    void updateRejectsRepeatedRequestNumber() {
        ClientTable table = tableWith(7, 2, bytes(), 3);
        assertThatThrownBy(() -> table.update(7, 2, bytes(), 4)).isInstanceOf(AssertionError.class);
    }

    @Test
    void updateRejectsOlderRequestNumber() {
        ClientTable table = tableWith(7, 2, bytes(), 3);
        assertThatThrownBy(() -> table.update(7, 1, bytes(), 4)).isInstanceOf(AssertionError.class);
    }

    @Test
    void evictsLeastRecentlyExecutedSessionWhenFull() {
        ClientTable table = new ClientTable(2);
        table.update(1, 0, bytes(), 1);
        table.update(2, 0, bytes(), 2);
        table.update(3, 0, bytes(), 3);

        assertThat(table.get(1)).isNull();
        assertThat(table.get(2)).isNotNull();
        assertThat(table.get(3)).isNotNull();
        assertThat(table.size()).isEqualTo(2);
        assertThat(table.evictions()).isEqualTo(1);
    }

    @Test
    void executingARequestMakesItsSessionMostRecent() {
        ClientTable table = new ClientTable(2);
        table.update(1, 0, bytes(), 1);
        table.update(2, 0, bytes(), 2);
        table.update(1, 1, bytes(), 3);
        table.update(3, 0, bytes(), 4);

        assertThat(table.get(2)).isNull();
        assertThat(table.get(1)).isNotNull();
        assertThat(table.get(3)).isNotNull();
    }

    @Test
    void lookupsDoNotReorderEviction() {
        ClientTable table = new ClientTable(2);
        table.update(1, 0, bytes(), 1);
        table.update(2, 0, bytes(), 2);
        for (int i = 0; i < 3; i++) assertThat(table.get(1)).isNotNull();
        table.update(3, 0, bytes(), 3);

        assertThat(table.get(1)).isNull();
        assertThat(table.get(2)).isNotNull();
    }

    @Test
    void updatingAnExistingSessionInAFullTableEvictsNothing() {
        ClientTable table = new ClientTable(1);
        table.update(1, 0, bytes(), 1);
        table.update(1, 1, bytes(), 2);
        table.update(1, 2, bytes(), 3);

        assertThat(table.evictions()).isZero();
        assertThat(table.get(1).requestNumber).isEqualTo(2);
    }

    @Test
    void evictionsCountEveryEvictedSession() {
        ClientTable table = new ClientTable(1);
        for (long client = 1; client <= 5; client++) table.update(client, 0, bytes(), client);
        assertThat(table.evictions()).isEqualTo(4);
        assertThat(table.size()).isEqualTo(1);
        assertThat(table.get(5)).isNotNull();
    }

    @Test
    void sameUpdatesSameChecksum() {
        ClientTable a = new ClientTable(3);
        ClientTable b = new ClientTable(3);
        for (ClientTable table : new ClientTable[] {a, b}) {
            table.update(1, 0, bytes(), 1);
            table.update(2, 0, bytes(), 2);
            table.update(1, 1, bytes(4, 2), 3);
            table.update(3, 0, bytes(), 4);
            table.update(4, 0, bytes(), 5);
        }
        assertThat(a.checksum()).isEqualTo(b.checksum());
        assertThat(new ClientTable(3).checksum()).isEqualTo(new ClientTable(5).checksum());
    }

    @Test
    void lookupsDoNotChangeTheChecksum() {
        ClientTable table = new ClientTable(3);
        table.update(1, 0, bytes(), 1);
        table.update(2, 0, bytes(), 2);
        long before = table.checksum();
        table.get(1);
        table.get(99);
        assertThat(table.checksum()).isEqualTo(before);
    }

    @Test
    void checksumDependsOnExecutionOrder() {
        // The order decides who is evicted next, so it is part of the replicated state.
        ClientTable a = new ClientTable(3);
        a.update(1, 0, bytes(), 1);
        a.update(2, 0, bytes(), 1);
        ClientTable b = new ClientTable(3);
        b.update(2, 0, bytes(), 1);
        b.update(1, 0, bytes(), 1);
        assertThat(a.checksum()).isNotEqualTo(b.checksum());
    }

    @Test
    void checksumDependsOnEveryField() {
        long base = tableWith(7, 1, bytes(1, 2), 3).checksum();
        assertThat(tableWith(8, 1, bytes(1, 2), 3).checksum()).isNotEqualTo(base);
        assertThat(tableWith(7, 2, bytes(1, 2), 3).checksum()).isNotEqualTo(base);
        assertThat(tableWith(7, 1, bytes(1, 3), 3).checksum()).isNotEqualTo(base);
        assertThat(tableWith(7, 1, bytes(1, 2), 4).checksum()).isNotEqualTo(base);
        assertThat(new ClientTable(3).checksum()).isNotEqualTo(base);
    }

    @Test
    void checksumDistinguishesRepliesWithEqualArraysHashCode() {
        // {0, 31} and {1, 0} have the same Arrays.hashCode (992). Replicas whose cached replies
        // differ must not look converged to the simulator's state check.
        long a = tableWith(7, 1, bytes(0, 31), 3).checksum();
        long b = tableWith(7, 1, bytes(1, 0), 3).checksum();
        assertThat(a).isNotEqualTo(b);
    }

    private static ClientTable tableWith(long clientId, long requestNumber, byte[] reply, long op) {
        ClientTable table = new ClientTable(3);
        table.update(clientId, requestNumber, reply, op);
        return table;
    }

    @Test
    void aDecodedTableHasTheSameSessionsChecksumAndNextEviction() {
        ClientTable table = new ClientTable(3);
        table.update(7, 0, bytes(1), 1);
        table.update(8, 1, bytes(), 2);
        table.update(9, 2, bytes(4, 5), 3);
        table.update(7, 3, bytes(6), 4); // 7 executed last: 8 is now the eldest

        ClientTable decoded = ClientTable.decode(table.encode(), 3);
        assertThat(decoded.checksum()).isEqualTo(table.checksum());
        assertThat(decoded.get(7).base).isEqualTo(table.get(7).base);
        assertThat(decoded.get(7).reply).containsExactly(6);

        table.update(10, 4, bytes(), 5);
        decoded.update(10, 4, bytes(), 5);
        assertThat(decoded.get(8)).as("the same session is evicted").isNull();
        assertThat(decoded.checksum()).isEqualTo(table.checksum());
    }

    @Test
    void malformedBytesAreRefusedWithTheReason() {
        ClientTable table = new ClientTable(2);
        table.update(7, 0, bytes(1, 2, 3), 1);
        byte[] encoded = table.encode();

        assertThatThrownBy(() -> ClientTable.decode(java.util.Arrays.copyOf(encoded, encoded.length - 1), 2))
                .hasMessageContaining("reply of 3 bytes, 2 left");
        assertThatThrownBy(() -> ClientTable.decode(java.util.Arrays.copyOf(encoded, encoded.length + 1), 2))
                .hasMessageContaining("1 bytes after the last session");
        assertThatThrownBy(() -> ClientTable.decode(encoded, 0)).hasMessageContaining("more than clientTableSessionsMax 0");
        assertThatThrownBy(() -> ClientTable.decode(new byte[2], 2)).hasMessageContaining("no session count");
    }

    private static byte[] bytes(int... values) {
        byte[] bytes = new byte[values.length];
        for (int i = 0; i < values.length; i++) bytes[i] = (byte) values[i];
        return bytes;
    }
}
