package dev.duet.config;

import dev.duet.config.NetworkConfig.CategoricalInputs;
import dev.duet.config.NetworkConfig.Image;
import dev.duet.config.NetworkConfig.Network;
import dev.duet.config.NetworkConfig.Schedule;
import dev.duet.config.NetworkConfig.Sequence;
import dev.duet.config.PipelineConfig.ColumnSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads and checks the {@code train_dl} section of a pipeline config: either one network (the
 * section's own keys) or {@code networks:}, a mapping of names to networks whose keys override
 * the section's (shared features, epochs, workers… written once).
 */
final class TrainDlSection {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,39}");

  private TrainDlSection() {}

  static Optional<TrainDlConfig> read(YamlObject root) {
    if (!root.has("train_dl")) {
      root.object("train_dl");
      return Optional.empty();
    }
    YamlObject section = root.object("train_dl");
    if (!section.has("networks")) {
      NetworkConfig one = network(section, null);
      section.finish();
      return Optional.of(new TrainDlConfig(List.of(one)));
    }
    List<NetworkConfig> networks = new ArrayList<>();
    for (String name : section.object("networks").keys()) {
      if (!NAME.matcher(name).matches()) {
        section.problem("Cannot name a network '" + name + "' in train_dl.networks: use lower-case letters, digits"
            + " and '_', starting with a letter");
        continue;
      }
      YamlObject entry = section.entryOver("networks", name);
      networks.add(network(entry, name));
      entry.finish();
    }
    if (networks.isEmpty()) {
      section.problem("train_dl.networks names no networks: add one, e.g. mlp: {hidden: [256, 128]}");
    }
    return Optional.of(new TrainDlConfig(List.copyOf(networks)));
  }

  /** @param name the key under train_dl.networks (null: the section is the one network, named by its type) */
  private static NetworkConfig network(YamlObject dl, String name) {
    Network fallback = name == null ? Network.MLP
        : java.util.Arrays.stream(Network.values()).filter(n -> n.name().equalsIgnoreCase(name)).findFirst()
            .orElse(Network.MLP);
    Network network = dl.enumValue("network", Network.class, fallback);
    YamlObject f = dl.object("features");
    List<String> numeric = ConfigLoader.expandNames(f.strings("numeric"));
    boolean standardize = f.optBoolean("standardize").orElse(network != Network.CNN);
    List<String> categorical = ConfigLoader.expandNames(f.strings("categorical"));
    CategoricalInputs categoricalInputs = f.enumValue("categorical_inputs", CategoricalInputs.class,
        CategoricalInputs.EMBEDDING);
    List<String> text = f.strings("text");
    f.finish();
    if (numeric.isEmpty() && categorical.isEmpty() && text.isEmpty()) {
      dl.problem(dl.path("features") + " names no columns: list numeric, categorical or text columns");
    }
    Optional<Sequence> sequence = sequence(dl, network, text, numeric, categorical);
    Optional<Image> image = Optional.empty();
    if (dl.has("image")) {
      YamlObject im = dl.object("image");
      image = Optional.of(new Image(positive(im, "height", 0), positive(im, "width", 0), positive(im, "channels", 1)));
      im.finish();
    }
    if (network == Network.CNN) {
      if (image.isEmpty()) {
        dl.problem(dl.path("image") + " is required for a cnn: {height, width, channels}");
      } else if (image.get().pixels() != numeric.size()) {
        dl.problem("Cannot shape " + numeric.size() + " numeric columns as a " + image.get().height() + "x"
            + image.get().width() + "x" + image.get().channels() + " image (" + image.get().pixels()
            + " pixels): " + dl.path("image") + " does not match " + dl.path("features") + ".numeric");
      }
      if (!categorical.isEmpty()) {
        dl.problem("Cannot feed categorical columns to a cnn: it reads image pixels only");
      }
    } else if (image.isPresent()) {
      dl.problem("Cannot set " + dl.path("image") + " for " + lower(network) + ": only a cnn reads images");
    }
    List<Integer> hidden = new ArrayList<>();
    List<String> defaultHidden = network.readsSequences() ? List.of() : List.of("256", "128");
    for (String h : dl.has("hidden") ? dl.strings("hidden") : defaultHidden) {
      try {
        int w = Integer.parseInt(h.trim());
        if (w < 1) {
          throw new NumberFormatException();
        }
        hidden.add(w);
      } catch (NumberFormatException e) {
        dl.problem("Cannot set " + dl.path("hidden") + " to '" + h + "': each layer width must be a positive whole number");
      }
    }
    double dropout = dl.optNumber("dropout").orElse(0.0);
    if (dropout < 0 || dropout >= 1) {
      dl.problem("Cannot set " + dl.path("dropout") + " to " + dropout + ": must be in [0, 1)");
    }
    boolean batchNorm = dl.optBoolean("batch_norm").orElse(false);
    double lr = dl.optNumber("learning_rate").orElse(1e-3);
    if (!(lr > 0)) {
      dl.problem("Cannot set " + dl.path("learning_rate") + " to " + lr + ": must be positive");
    }
    Schedule schedule = dl.enumValue("learning_rate_schedule", Schedule.class, Schedule.CONSTANT);
    double decay = dl.optNumber("learning_rate_decay").orElse(0.8);
    if (!(decay > 0 && decay <= 1)) {
      dl.problem("Cannot set " + dl.path("learning_rate_decay") + " to " + decay + ": must be in (0, 1]");
    } else if (dl.has("learning_rate_decay") && schedule != Schedule.EXPONENTIAL) {
      dl.problem(dl.path("learning_rate_decay") + " applies only to learning_rate_schedule: exponential");
    }
    double weightDecay = dl.optNumber("weight_decay").orElse(0.0);
    if (!(weightDecay >= 0 && weightDecay < 1)) {
      dl.problem("Cannot set " + dl.path("weight_decay") + " to " + weightDecay + ": must be in [0, 1)");
    }
    double validation = dl.optNumber("validation_fraction").orElse(0.1);
    if (!(validation > 0 && validation < 1)) {
      dl.problem("Cannot set " + dl.path("validation_fraction") + " to " + validation
          + ": must be between 0 and 1 (exclusive)");
    }
    Optional<Long> maxRows = dl.optInteger("max_train_rows");
    maxRows.filter(n -> n < 1).ifPresent(n -> dl.problem("Cannot set " + dl.path("max_train_rows") + " to " + n
        + ": must be positive"));
    return new NetworkConfig(name == null ? lower(network) : name, network, numeric,
        standardize, categorical, categoricalInputs, image, sequence, List.copyOf(hidden), dropout, batchNorm, lr, schedule, decay,
        weightDecay, maxRows, positive(dl, "epochs", 6), positive(dl, "batch_size", 32), positive(dl, "workers", 2),
        positive(dl, "averaging_frequency", 10), dl.optInteger("prefetch").orElse(2L).intValue(),
        positive(dl, "patience", 3), validation, dl.optInteger("seed").orElse(ConfigLoader.DEFAULT_SEED));
  }

  /**
   * A sequence network's text column and shape: it reads one text column and nothing else; the
   * others read no text.
   */
  private static Optional<Sequence> sequence(YamlObject dl, Network network, List<String> text, List<String> numeric,
      List<String> categorical) {
    if (!network.readsSequences()) {
      if (!text.isEmpty()) {
        dl.problem("Cannot feed the text columns " + text + " to " + lower(network) + ": it reads numbers; a"
            + " sequence network reads text (network: lstm or cnn1d)");
      }
      if (dl.has("sequence")) {
        dl.problem("Cannot set " + dl.path("sequence") + " for " + lower(network) + ": only lstm and cnn1d read"
            + " sequences");
      }
      return Optional.empty();
    }
    if (!numeric.isEmpty() || !categorical.isEmpty()) {
      dl.problem("Cannot feed numeric or categorical columns to " + lower(network) + " in " + dl.path("features")
          + ": it reads the words of one text column (list it under text)");
    }
    if (text.size() != 1) {
      dl.problem(dl.path("features") + ".text must name exactly one column for " + lower(network) + ", not "
          + text.size());
    }
    YamlObject sq = dl.object("sequence");
    if (sq.has("bidirectional") && network != Network.LSTM) {
      sq.problem("Cannot set " + sq.path("bidirectional") + " for " + lower(network) + ": only an lstm reads both ways");
    }
    if (sq.has("kernel") && network != Network.CNN1D) {
      sq.problem("Cannot set " + sq.path("kernel") + " for " + lower(network) + ": only a cnn1d has kernels");
    }
    Sequence s = new Sequence(text.isEmpty() ? null : text.get(0),
        sq.optEnum("unit", NetworkConfig.TextUnit.class).orElse(NetworkConfig.TextUnit.WORD),
        positive(sq, "max_tokens", 400),
        positive(sq, "vocabulary", 20_000), positive(sq, "embedding", 64),
        positive(sq, "units", network == Network.LSTM ? 64 : 128), positive(sq, "kernel", 5),
        sq.optBoolean("bidirectional").orElse(false));
    sq.finish();
    return Optional.of(s);
  }

  private static String lower(Network n) {
    return n.name().toLowerCase(java.util.Locale.ROOT);
  }

  private static int positive(YamlObject o, String key, int fallback) {
    long v = o.optInteger(key).orElse((long) fallback);
    if (v < 1) {
      o.problem(o.has(key) ? "Cannot set " + o.path(key) + " to " + v + ": must be positive" : o.path(key) + " is required");
    }
    return (int) v;
  }

  /** Inputs must exist, be of a fitting type, and not be the label or its source. */
  static void crossCheck(PipelineConfig c, TrainDlConfig section, List<String> problems) {
    // By name once: a wide table (784 pixels, two networks) would otherwise scan every column per input.
    Map<String, ColumnSpec> declared = new HashMap<>();
    c.columns().forEach(col -> declared.putIfAbsent(col.name(), col));
    Set<String> derivedNames = new HashSet<>();
    c.derived().forEach(d -> derivedNames.add(d.name()));
    Set<String> labelSources = new HashSet<>();
    c.derived().stream().filter(d -> d.name() != null && d.name().equals(c.label()))
        .forEach(d -> d.from().ifPresent(labelSources::add));
    for (NetworkConfig dl : section.networks()) {
      String where = section.networks().size() == 1 && dl.name().equals(dl.network().name().toLowerCase(java.util.Locale.ROOT))
          ? "train_dl.features" : "train_dl.networks." + dl.name() + ".features";
      Set<String> seen = new HashSet<>();
      Set<String> numeric = new HashSet<>(dl.numeric());
      for (String name : dl.columns()) {
        if (!seen.add(name)) {
          problems.add("Column " + name + " is listed twice in " + where);
          continue;
        }
        if (name.equals(c.label())) {
          problems.add("Cannot use the label " + name + " as an input in " + where);
          continue;
        }
        ColumnSpec col = declared.get(name);
        if (col == null && !derivedNames.contains(name)) {
          problems.add("Cannot use " + name + " in " + where + ": not a declared or derived column");
        } else if (col != null && col.type() != null && numeric.contains(name) && !col.type().isNumeric()) {
          problems.add("Cannot use " + name + " in " + where + ".numeric: it is a " + col.type().sqlName() + " column");
        } else if (col != null && col.type() != null && dl.sequence().map(q -> name.equals(q.column())).orElse(false)
            && col.type() != PipelineConfig.ColumnType.STRING) {
          problems.add("Cannot use " + name + " in " + where + ".text: it is a " + col.type().sqlName()
              + " column, not text");
        }
        if (labelSources.contains(name)) {
          problems.add("Cannot use " + name + " as an input: the label " + c.label()
              + " is derived from it, so the network would read the answer");
        }
      }
    }
  }
}
