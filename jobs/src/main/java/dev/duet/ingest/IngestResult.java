package dev.duet.ingest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * What an ingest produced. Always {@code read = clean + quarantined + duplicatesRemoved + dropped}.
 *
 * @param byRule  quarantined (and dropped) rows per rule
 * @param quality the {@code quality.json} document
 */
public record IngestResult(long read, long clean, long quarantined, long duplicatesRemoved, long dropped,
    Map<String, Long> byRule, ObjectNode quality) {}
