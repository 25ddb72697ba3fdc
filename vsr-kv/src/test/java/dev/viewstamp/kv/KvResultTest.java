package dev.viewstamp.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viewstamp.kv.KvResult.CasFailed;
import dev.viewstamp.kv.KvResult.CasOk;
import dev.viewstamp.kv.KvResult.Deleted;
import dev.viewstamp.kv.KvResult.Failure;
import dev.viewstamp.kv.KvResult.Ok;
import dev.viewstamp.kv.KvResult.Value;
import org.junit.jupiter.api.Test;

class KvResultTest {

    @Test
    void resultsWithEqualContentAreEqualAndHashAlike() {
        assertThat(new Value(new byte[] {1})).isEqualTo(new Value(new byte[] {1}))
                .hasSameHashCodeAs(new Value(new byte[] {1}));
        assertThat(new Value(null)).isEqualTo(new Value(null)).hasSameHashCodeAs(new Value(null));
        assertThat(KvResult.casFailed("x")).isEqualTo(KvResult.casFailed("x")).hasSameHashCodeAs(KvResult.casFailed("x"));
        assertThat(new Ok()).isEqualTo(new Ok());
        assertThat(new Deleted(true)).isEqualTo(new Deleted(true));
        assertThat(new Failure("m")).isEqualTo(new Failure("m"));
    }

    @Test
    void resultsWithDifferentContentOrTypeAreNotEqual() {
        assertThat(KvResult.value("1")).isNotEqualTo(KvResult.value("2"));
        assertThat(new Value(null)).isNotEqualTo(new Value(new byte[0]));
        assertThat(new CasFailed(null)).isNotEqualTo(new CasFailed(new byte[0]));
        assertThat(new Deleted(true)).isNotEqualTo(new Deleted(false));
        assertThat(new Ok()).isNotEqualTo(new CasOk());
    }

    @Test
    void utf8AccessorsDecodeOrReturnNullWhenMissing() {
        assertThat(KvResult.value("\u00e9").valueUtf8()).isEqualTo("\u00e9");
        assertThat(KvResult.value(null).valueUtf8()).isNull();
        assertThat(KvResult.casFailed("x").currentUtf8()).isEqualTo("x");
        assertThat(KvResult.casFailed(null).currentUtf8()).isNull();
    }

    @Test
    void constructorAndAccessorCopyTheArray() {
        byte[] value = {'1'};
        Value result = new Value(value);

        value[0] = '2';
        result.value()[0] = '3';

        assertThat(result).isEqualTo(KvResult.value("1"));
    }

    @Test
    void toStringShowsContent() {
        assertThat(KvResult.value("1")).hasToString("Value[value=\"1\"]");
        assertThat(new Value(null)).hasToString("Value[value=null]");
        assertThat(new CasFailed(new byte[] {0})).hasToString("CasFailed[current=0x00]");
    }

    @Test
    void errorNeedsAMessage() {
        assertThatThrownBy(() -> new Failure(null)).isInstanceOf(NullPointerException.class);
    }
}
