package dev.duet.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.Set;
import org.apache.spark.sql.api.java.UDF1;

/**
 * What Spark's JSON reader would read into wrong values without a word, found on the raw record
 * (a line of JSON lines, an element of a JSON document's array): a record that is not one object
 * (Spark reads a top-level array as several rows), a key given twice (Spark keeps one of them),
 * and an object or array where a declared column expects a scalar (Spark hands a string column
 * its JSON text). Returns the problem, or null for a record that says what it means; a record
 * that is not JSON at all is reported too.
 */
final class JsonRecordCheck implements UDF1<String, String> {
  private static final long serialVersionUID = 1L;
  private static final JsonFactory JSON = JsonFactory.builder()
      .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  private final Set<String> declared;
  /** What one record is in the file ("line", "array element"), for the reasons. */
  private final String unit;

  JsonRecordCheck(Set<String> declared, String unit) {
    this.declared = Set.copyOf(declared);
    this.unit = unit;
  }

  @Override
  public String call(String record) {
    try (JsonParser p = JSON.createParser(record)) {
      JsonToken first = p.nextToken();
      if (first == JsonToken.START_ARRAY) {
        return "a JSON array, not an object: one " + unit + " holds one record";
      }
      if (first != JsonToken.START_OBJECT) {
        return "a JSON " + (first == null ? "blank " + unit : "scalar") + ", not an object";
      }
      for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
        String key = p.currentName();
        JsonToken value = p.nextToken();
        if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
          if (declared.contains(key)) {
            return key + " is a JSON " + (value == JsonToken.START_OBJECT ? "object" : "array") + ", not a value";
          }
          p.skipChildren();
        }
      }
      if (p.nextToken() != null) {
        return "more than one JSON value in one " + unit;
      }
      return null;
    } catch (JsonParseException e) {
      String message = e.getOriginalMessage();
      return message.startsWith("Duplicate field") ? "key " + message.substring(message.indexOf('\'')) + " appears twice"
          : "malformed JSON: " + message;
    } catch (IOException e) {
      return "malformed JSON: " + e.getMessage();
    }
  }
}
