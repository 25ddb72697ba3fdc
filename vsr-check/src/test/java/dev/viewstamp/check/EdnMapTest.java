package dev.viewstamp.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EdnMapTest {

    @Test
    void readsKeywordsStringsIntegersBooleansAndNil() {
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("process", 9L);
        expected.put("type", new EdnMap.Keyword("ok"));
        expected.put("value", "x \"9\" \\ y");
        expected.put("gone", null);
        expected.put("negative", -3L);
        expected.put("flag", true);
        String text = " {:process 9, :type :ok :value \"x \\\"9\\\" \\\\ y\",:gone nil, :negative -3, :flag true} ";
        assertThat(EdnMap.parse(text)).containsExactlyEntriesOf(expected);
    }

    @Test
    void readsEmptyMap() {
        assertThat(EdnMap.parse("{}")).isEmpty();
    }

    @Test
    void rejectsWhatHistoriesNeverContainWithColumn() {
        assertThatThrownBy(() -> EdnMap.parse("{:a [1 2]}"))
                .hasMessage("column 5: unsupported value '['");
        assertThatThrownBy(() -> EdnMap.parse("{\"a\" 1}"))
                .hasMessage("column 2: map keys must be keywords");
        assertThatThrownBy(() -> EdnMap.parse("{:a 1 :a 2}"))
                .hasMessage("column 7: duplicate key :a");
        assertThatThrownBy(() -> EdnMap.parse("{:a \"open}"))
                .hasMessage("column 5: string not closed");
        assertThatThrownBy(() -> EdnMap.parse("{:a 1} x"))
                .hasMessage("column 8: text after the map");
        assertThatThrownBy(() -> EdnMap.parse("{:a"))
                .hasMessage("column 4: unexpected end of line");
        assertThatThrownBy(() -> EdnMap.parse("{:a 99999999999999999999}"))
                .hasMessage("column 5: integer out of range: 99999999999999999999");
    }
}
