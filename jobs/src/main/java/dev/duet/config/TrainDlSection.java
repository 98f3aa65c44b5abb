package dev.duet.config;

import dev.duet.config.PipelineConfig.ColumnSpec;
import dev.duet.config.TrainDlConfig.Image;
import dev.duet.config.TrainDlConfig.Network;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Reads and checks the {@code train_dl} section of a pipeline config. */
final class TrainDlSection {
  private TrainDlSection() {}

  static Optional<TrainDlConfig> read(YamlObject root) {
    if (!root.has("train_dl")) {
      root.object("train_dl");
      return Optional.empty();
    }
    YamlObject dl = root.object("train_dl");
    Network network = dl.enumValue("network", Network.class, Network.MLP);
    YamlObject f = dl.object("features");
    List<String> numeric = ConfigLoader.expandNames(f.strings("numeric"));
    boolean standardize = f.optBoolean("standardize").orElse(network != Network.CNN);
    List<String> categorical = ConfigLoader.expandNames(f.strings("categorical"));
    f.finish();
    if (numeric.isEmpty() && categorical.isEmpty()) {
      dl.problem("train_dl.features names no columns: list numeric and/or categorical columns");
    }
    Optional<Image> image = Optional.empty();
    if (dl.has("image")) {
      YamlObject im = dl.object("image");
      image = Optional.of(new Image(positive(im, "train_dl.image", "height", 0), positive(im, "train_dl.image", "width", 0),
          positive(im, "train_dl.image", "channels", 1)));
      im.finish();
    }
    if (network == Network.CNN) {
      if (image.isEmpty()) {
        dl.problem("train_dl.image is required for a cnn: {height, width, channels}");
      } else if (image.get().pixels() != numeric.size()) {
        dl.problem("Cannot shape " + numeric.size() + " numeric columns as a " + image.get().height() + "x"
            + image.get().width() + "x" + image.get().channels() + " image (" + image.get().pixels()
            + " pixels): train_dl.image does not match train_dl.features.numeric");
      }
      if (!categorical.isEmpty()) {
        dl.problem("Cannot feed categorical columns to a cnn: it reads image pixels only");
      }
    } else if (image.isPresent()) {
      dl.problem("Cannot set train_dl.image for an mlp: only a cnn reads images");
    }
    List<Integer> hidden = new ArrayList<>();
    for (String h : dl.has("hidden") ? dl.strings("hidden") : List.of("256", "128")) {
      try {
        int w = Integer.parseInt(h.trim());
        if (w < 1) {
          throw new NumberFormatException();
        }
        hidden.add(w);
      } catch (NumberFormatException e) {
        dl.problem("Cannot set train_dl.hidden to '" + h + "': each layer width must be a positive whole number");
      }
    }
    double dropout = dl.optNumber("dropout").orElse(0.0);
    if (dropout < 0 || dropout >= 1) {
      dl.problem("Cannot set train_dl.dropout to " + dropout + ": must be in [0, 1)");
    }
    double lr = dl.optNumber("learning_rate").orElse(1e-3);
    if (!(lr > 0)) {
      dl.problem("Cannot set train_dl.learning_rate to " + lr + ": must be positive");
    }
    double validation = dl.optNumber("validation_fraction").orElse(0.1);
    if (!(validation > 0 && validation < 1)) {
      dl.problem("Cannot set train_dl.validation_fraction to " + validation + ": must be between 0 and 1 (exclusive)");
    }
    Optional<Long> maxRows = dl.optInteger("max_train_rows");
    maxRows.filter(n -> n < 1).ifPresent(n -> dl.problem("Cannot set train_dl.max_train_rows to " + n + ": must be positive"));
    TrainDlConfig c = new TrainDlConfig(network, numeric, standardize, categorical, image, List.copyOf(hidden), dropout, lr,
        maxRows,
        positive(dl, "train_dl", "epochs", 6), positive(dl, "train_dl", "batch_size", 32),
        positive(dl, "train_dl", "workers", 2), positive(dl, "train_dl", "averaging_frequency", 10),
        dl.optInteger("prefetch").orElse(2L).intValue(), positive(dl, "train_dl", "patience", 3), validation,
        dl.optInteger("seed").orElse(ConfigLoader.DEFAULT_SEED));
    dl.finish();
    return Optional.of(c);
  }

  private static int positive(YamlObject o, String where, String key, int fallback) {
    long v = o.optInteger(key).orElse((long) fallback);
    if (v < 1) {
      o.problem((o.has(key) ? "Cannot set " + where + "." + key + " to " + v + ": must be positive"
          : where + "." + key + " is required"));
    }
    return (int) v;
  }

  /** Inputs must exist, be of a fitting type, and not be the label or its source. */
  static void crossCheck(PipelineConfig c, TrainDlConfig dl, List<String> problems) {
    Set<String> seen = new HashSet<>();
    for (String name : dl.columns()) {
      if (!seen.add(name)) {
        problems.add("Column " + name + " is listed twice in train_dl.features");
        continue;
      }
      if (name.equals(c.label())) {
        problems.add("Cannot use the label " + name + " as an input in train_dl.features");
        continue;
      }
      ColumnSpec col = c.column(name);
      boolean derived = c.derived().stream().anyMatch(d -> name.equals(d.name()));
      if (col == null && !derived) {
        problems.add("Cannot use " + name + " in train_dl.features: not a declared or derived column");
      } else if (col != null && col.type() != null && dl.numeric().contains(name) && !col.type().isNumeric()) {
        problems.add("Cannot use " + name + " in train_dl.features.numeric: it is a " + col.type().sqlName() + " column");
      }
      c.derived().stream().filter(d -> d.name() != null && d.name().equals(c.label()))
          .filter(d -> d.from().map(name::equals).orElse(false))
          .forEach(d -> problems.add("Cannot use " + name + " as an input: the label " + c.label()
              + " is derived from it, so the network would read the answer"));
    }
  }
}
