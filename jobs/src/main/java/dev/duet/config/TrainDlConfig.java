package dev.duet.config;

import java.util.List;
import java.util.Optional;

/**
 * The {@code train_dl} section: one or more networks over raw features, each trained, checkpointed,
 * resumed, predicted and evaluated under its own name, in the order given.
 *
 * @param networks the networks, names unique
 */
public record TrainDlConfig(List<NetworkConfig> networks) {
  public Optional<NetworkConfig> network(String name) {
    return networks.stream().filter(n -> n.name().equals(name)).findFirst();
  }

  /** Just {@code network} (a learning-curve refit of one of them). */
  public TrainDlConfig only(NetworkConfig network) {
    return new TrainDlConfig(List.of(network));
  }
}
