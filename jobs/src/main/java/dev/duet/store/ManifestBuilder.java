package dev.duet.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.BuildInfo;
import java.time.Instant;

/**
 * A stage's {@code manifest.json}: what ran (stage, run, config hash, versions, executor
 * profile), when, on what inputs (paths, rows, content hashes) and what it wrote.
 */
public final class ManifestBuilder {
  private final ObjectNode doc = Json.object();
  private final ArrayNode inputs;
  private final ArrayNode outputs;

  public ManifestBuilder(String stage, String pipeline, String runId, String configHash,
      Instant startedAt, String sparkVersion, String sparkMaster) {
    doc.put("stage", stage);
    doc.put("pipeline", pipeline);
    doc.put("run_id", runId);
    doc.put("started_at", startedAt.toString());
    doc.put("config_sha256", configHash);
    ObjectNode versions = doc.putObject("versions");
    versions.put("duet", BuildInfo.version());
    versions.put("git_sha", BuildInfo.gitSha());
    versions.put("spark", sparkVersion);
    versions.put("dl4j", BuildInfo.dl4jVersion());
    versions.put("java", System.getProperty("java.version"));
    ObjectNode exec = doc.putObject("executor");
    exec.put("spark_master", sparkMaster);
    exec.put("nd4j_backend", BuildInfo.nd4jBackend());
    inputs = doc.putArray("inputs");
    outputs = doc.putArray("outputs");
  }

  public ManifestBuilder input(String name, String path, long rows, JsonNode hash) {
    ObjectNode in = inputs.addObject();
    in.put("name", name);
    in.put("path", path);
    in.put("rows", rows);
    in.set("hash", hash);
    return this;
  }

  public ManifestBuilder output(String name, String relativePath, Long rows) {
    ObjectNode out = outputs.addObject();
    out.put("name", name);
    out.put("path", relativePath);
    if (rows != null) {
      out.put("rows", rows);
    }
    return this;
  }

  /** A stage-specific section (e.g. evaluate's lineage of the whole run). */
  public ManifestBuilder section(String name, JsonNode value) {
    doc.set(name, value);
    return this;
  }

  public ObjectNode build(Instant finishedAt) {
    doc.put("finished_at", finishedAt.toString());
    return doc;
  }
}
