package io.genaibatch.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;

/** Creates missing topics and reports where existing ones differ from their {@link TopicSpec}. */
public final class TopicAdmin {
    private final Admin admin;

    public TopicAdmin(Admin admin) {
        this.admin = admin;
    }

    /** The state of one topic compared with its spec. */
    public record TopicStatus(
            TopicSpec spec, boolean exists, boolean created, int partitions, int replication, List<String> drift) {
        public String describe() {
            if (!exists) {
                return spec.name() + ": MISSING";
            }
            String head = spec.name() + ": " + (created ? "CREATED" : "exists") + ", " + partitions
                    + " partitions, replication " + replication;
            return drift.isEmpty() ? head + ", as configured" : head + ", DRIFT: " + String.join("; ", drift);
        }
    }

    /** Creates every missing topic, then describes all of them. */
    public List<TopicStatus> createMissing(Collection<TopicSpec> specs) throws InterruptedException {
        Set<String> existing = existingNames();
        List<NewTopic> missing = specs.stream()
                .filter(s -> !existing.contains(s.name()))
                .map(s ->
                        new NewTopic(s.name(), Optional.of(s.partitions()), s.replicationFactor()).configs(s.configs()))
                .toList();
        Set<String> created = missing.stream().map(NewTopic::name).collect(Collectors.toSet());
        if (!missing.isEmpty()) {
            try {
                admin.createTopics(missing).all().get();
            } catch (ExecutionException e) {
                // Another instance may have created them at the same moment: that is fine.
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException(
                            "Could not create topics " + created + ": "
                                    + e.getCause().getMessage(),
                            e.getCause());
                }
            }
        }
        awaitVisible(created);
        // A producer writing in the moment before a new partition's leader serves it can lose its first batch
        // (KAFKA-15591): refused NOT_LEADER_OR_FOLLOWER, the next accepted, the first then out of sequence.
        if (!created.isEmpty()) {
            TopicReadiness.awaitServed(admin, created, Duration.ofSeconds(30));
        }
        return describe(specs, created);
    }

    /** A created topic reaches every broker's metadata a moment after the controller accepted it. */
    private void awaitVisible(Set<String> names) throws InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (!existingNames().containsAll(names)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Created topics " + names + " are still not listed after 30 s");
            }
            Thread.sleep(50);
        }
    }

    /** Describes the topics without changing anything. */
    public List<TopicStatus> describe(Collection<TopicSpec> specs) throws InterruptedException {
        return describe(specs, Set.of());
    }

    /**
     * The topic's effective value of {@code key} (e.g. retention.ms, max.message.bytes); empty when the broker gives
     * none.
     *
     * @throws ExecutionException when the broker could not be asked (the topic is missing, no authorization...)
     * @throws java.util.concurrent.TimeoutException after {@code timeout}
     */
    public Optional<String> config(String topic, String key, Duration timeout)
            throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Config config = admin.describeConfigs(List.of(resource))
                .all()
                .get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                .get(resource);
        ConfigEntry entry = config == null ? null : config.get(key);
        return entry == null ? Optional.empty() : Optional.ofNullable(entry.value());
    }

    private List<TopicStatus> describe(Collection<TopicSpec> specs, Set<String> created) throws InterruptedException {
        Set<String> existing = existingNames();
        List<String> names =
                specs.stream().map(TopicSpec::name).filter(existing::contains).toList();
        try {
            Map<String, TopicDescription> descriptions =
                    admin.describeTopics(names).allTopicNames().get();
            Map<ConfigResource, Config> configs = admin.describeConfigs(names.stream()
                            .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n))
                            .toList())
                    .all()
                    .get();
            Map<String, Config> configByName = configs.entrySet().stream()
                    .collect(Collectors.toMap(e -> e.getKey().name(), Map.Entry::getValue));
            List<TopicStatus> result = new ArrayList<>();
            for (TopicSpec spec : specs) {
                TopicDescription d = descriptions.get(spec.name());
                if (d == null) {
                    result.add(new TopicStatus(spec, false, false, 0, 0, List.of()));
                    continue;
                }
                int partitions = d.partitions().size();
                int replication = d.partitions().get(0).replicas().size();
                List<String> drift = new ArrayList<>();
                if (partitions != spec.partitions()) {
                    drift.add("partitions " + partitions + ", configured " + spec.partitions());
                }
                spec.replicationFactor()
                        .filter(rf -> rf != replication)
                        .ifPresent(rf -> drift.add("replication " + replication + ", configured " + rf));
                Map<String, String> actual = configByName.get(spec.name()).entries().stream()
                        .collect(Collectors.toMap(ConfigEntry::name, e -> String.valueOf(e.value()), (a, b) -> a));
                spec.configs().forEach((k, v) -> {
                    if (!v.equals(actual.get(k))) {
                        drift.add(k + "=" + actual.get(k) + ", configured " + v);
                    }
                });
                result.add(new TopicStatus(spec, true, created.contains(spec.name()), partitions, replication, drift));
            }
            return result;
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "Could not describe topics " + names + ": " + e.getCause().getMessage(), e.getCause());
        }
    }

    private Set<String> existingNames() throws InterruptedException {
        try {
            return admin.listTopics().names().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "Could not list topics: " + e.getCause().getMessage(), e.getCause());
        }
    }
}
