package dev.viewstamp.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viewstamp.kv.KvCommand.Append;
import dev.viewstamp.kv.KvCommand.CompareAndSet;
import dev.viewstamp.kv.KvCommand.Delete;
import dev.viewstamp.kv.KvCommand.Get;
import dev.viewstamp.kv.KvCommand.Put;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class KvCommandTest {

    @Test
    void stringFactoriesEncodeUtf8() {
        Put put = KvCommand.put("cl\u00e9", "\u4e2d");

        assertThat(put.key()).isEqualTo("cl\u00e9".getBytes(StandardCharsets.UTF_8));
        assertThat(put.value()).isEqualTo("\u4e2d".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void compareAndSetFactoryKeepsNullExpectedAsAbsence() {
        assertThat(KvCommand.compareAndSet("a", null, "v").expected()).isNull();
    }

    @Test
    void commandsWithEqualContentAreEqualAndHashAlike() {
        assertThat(new Get(new byte[] {1})).isEqualTo(new Get(new byte[] {1})).hasSameHashCodeAs(new Get(new byte[] {1}));
        assertThat(KvCommand.put("a", "1")).isEqualTo(KvCommand.put("a", "1")).hasSameHashCodeAs(KvCommand.put("a", "1"));
        assertThat(KvCommand.append("a", "1")).isEqualTo(KvCommand.append("a", "1"))
                .hasSameHashCodeAs(KvCommand.append("a", "1"));
        assertThat(KvCommand.delete("a")).isEqualTo(KvCommand.delete("a")).hasSameHashCodeAs(KvCommand.delete("a"));
        assertThat(KvCommand.compareAndSet("a", null, "1")).isEqualTo(KvCommand.compareAndSet("a", null, "1"))
                .hasSameHashCodeAs(KvCommand.compareAndSet("a", null, "1"));
    }

    @Test
    void commandsWithDifferentContentOrTypeAreNotEqual() {
        assertThat(KvCommand.put("a", "1")).isNotEqualTo(KvCommand.put("a", "2"));
        assertThat(KvCommand.put("a", "1")).isNotEqualTo(KvCommand.put("b", "1"));
        assertThat(KvCommand.put("a", "1")).isNotEqualTo(KvCommand.append("a", "1"));
        assertThat(KvCommand.get("a")).isNotEqualTo(KvCommand.delete("a"));
        assertThat(KvCommand.compareAndSet("a", null, "1")).isNotEqualTo(KvCommand.compareAndSet("a", "", "1"));
    }

    @Test
    void constructorCopiesTheCallersArrays() {
        byte[] key = {'a'};
        byte[] value = {'1'};
        Put put = new Put(key, value);

        key[0] = 'b';
        value[0] = '2';

        assertThat(put).isEqualTo(KvCommand.put("a", "1"));
    }

    @Test
    void accessorsReturnCopies() {
        CompareAndSet cas = KvCommand.compareAndSet("a", "1", "2");

        cas.key()[0] = 'z';
        cas.expected()[0] = 'z';
        cas.value()[0] = 'z';

        assertThat(cas).isEqualTo(KvCommand.compareAndSet("a", "1", "2"));
    }

    @Test
    void toStringShowsPrintableBytesAsQuotedText() {
        assertThat(KvCommand.put("a", "1")).hasToString("Put[key=\"a\", value=\"1\"]");
        assertThat(KvCommand.compareAndSet("a", null, "1"))
                .hasToString("CompareAndSet[key=\"a\", expected=null, value=\"1\"]");
    }

    @Test
    void toStringShowsOtherBytesAsHex() {
        assertThat(new Delete(new byte[] {0, -1, 'a'})).hasToString("Delete[key=0x00ff61]");
        // A quote inside quotes would be ambiguous, so text with a quote prints as hex too.
        assertThat(KvCommand.get("say \"hi\"")).hasToString("Get[key=0x7361792022686922]");
    }

    @Test
    void toStringCutsLongValues() {
        assertThat(new Append(new byte[] {'k'}, "x".repeat(1000).getBytes(StandardCharsets.UTF_8)).toString())
                .isEqualTo("Append[key=\"k\", value=\"" + "x".repeat(64) + "\"...(1000 bytes)]");
    }

    @Test
    void nullKeyOrValueIsRejected() {
        assertThatThrownBy(() -> new Get(null)).isInstanceOf(NullPointerException.class).hasMessage("key");
        assertThatThrownBy(() -> new Put(new byte[0], null)).isInstanceOf(NullPointerException.class).hasMessage("value");
        assertThatThrownBy(() -> KvCommand.delete(null)).isInstanceOf(NullPointerException.class);
    }
}
