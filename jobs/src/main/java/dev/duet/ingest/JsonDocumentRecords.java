package dev.duet.ingest;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.api.java.UDF1;

/**
 * The records of a JSON document read whole, each as its own text: the elements of a top-level
 * array (how most tools export JSON), or the top-level values themselves (objects spread over
 * lines). The document is cut by its brackets and quotes only, not parsed, so that a broken
 * element is one record for {@link JsonRecordCheck} to quarantine with its text while the
 * elements around it are kept; an unclosed string or bracket makes the rest of the file one
 * (quarantined) record. Blank elements hold nothing and are left out, as blank lines are.
 */
final class JsonDocumentRecords implements UDF1<String, List<String>> {
  private static final long serialVersionUID = 1L;

  @Override
  public List<String> call(String document) {
    return records(document);
  }

  static List<String> records(String document) {
    List<String> out = new ArrayList<>();
    int depth = 0;
    // depth 1 is the top-level array's own level while one is open: its commas separate records
    int base = 0;
    int start = -1;
    boolean inString = false;
    boolean escaped = false;
    for (int i = document.isEmpty() || document.charAt(0) != '\uFEFF' ? 0 : 1; i < document.length(); i++) {
      char c = document.charAt(i);
      if (inString) {
        if (escaped) {
          escaped = false;
        } else if (c == '\\') {
          escaped = true;
        } else if (c == '"') {
          inString = false;
        }
        continue;
      }
      boolean blank = Character.isWhitespace(c);
      if (depth == base && (c == ',' || blank && base == 0)) {
        start = flush(document, start, i, out); // a separator between records (or after a top-level scalar)
        continue;
      }
      if (c == '[' && depth == 0 && start < 0) {
        depth = base = 1; // a top-level array: its elements are the records
        continue;
      }
      if (c == ']' && depth == 1 && base == 1) {
        start = flush(document, start, i, out);
        depth = base = 0;
        continue;
      }
      if (start < 0 && !blank) {
        start = i;
      }
      if (c == '"') {
        inString = true;
      } else if (c == '{' || c == '[') {
        depth++;
      } else if ((c == '}' || c == ']') && depth > base) {
        depth--;
        if (depth == 0) {
          start = flush(document, start, i + 1, out); // a top-level object or array closed
        }
      }
    }
    flush(document, start, document.length(), out);
    return out;
  }

  /** Adds the record that starts at start (if any) and ends at end; returns the next start (none). */
  private static int flush(String document, int start, int end, List<String> out) {
    if (start >= 0) {
      String record = document.substring(start, end).strip();
      if (!record.isEmpty()) {
        out.add(record);
      }
    }
    return -1;
  }
}
