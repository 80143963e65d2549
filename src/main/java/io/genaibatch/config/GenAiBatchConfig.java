package io.genaibatch.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * The validated configuration: defaults from {@link ConfigKeys}, then the YAML file, then explicit overrides
 * (command-line flags). Immutable. A bad value fails here, at start, naming the key, the value and what is allowed.
 */
public final class GenAiBatchConfig {
    private final Map<String, Object> values;
    private final Map<String, String> sources;
    private final Map<String, String> kafkaProperties;

    private GenAiBatchConfig(Map<String, Object> values, Map<String, String> sources, Map<String, String> kafkaProperties) {
        this.values = values;
        this.sources = sources;
        this.kafkaProperties = kafkaProperties;
    }

    public static GenAiBatchConfig defaults() {
        return of(Map.of());
    }

    /** Defaults plus the given overrides (key → value as a user writes it). */
    public static GenAiBatchConfig of(Map<String, String> overrides) {
        return build(Map.of(), "", overrides);
    }

    /**
     * Loads {@code yamlFile} (null: defaults only) and applies {@code overrides} on top.
     *
     * @throws ConfigException listing every problem: unknown keys, unparsable or out-of-range values
     */
    public static GenAiBatchConfig load(Path yamlFile, Map<String, String> overrides) {
        if (yamlFile == null) {
            return of(overrides);
        }
        Map<String, String> fromFile = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(yamlFile)) {
            JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(in);
            if (root != null && !root.isMissingNode() && !root.isNull()) {
                if (!root.isObject()) {
                    throw new ConfigException(List.of(yamlFile + ": expected a YAML mapping of keys at the top level"));
                }
                flatten("", root, fromFile);
            }
        } catch (NoSuchFileException e) {
            throw new ConfigException(List.of("Config file " + yamlFile + " does not exist"));
        } catch (IOException e) {
            throw new ConfigException(List.of("Config file " + yamlFile + " is not valid YAML: " + e.getMessage()));
        }
        return build(fromFile, yamlFile.toString(), overrides);
    }

    private static GenAiBatchConfig build(Map<String, String> fromFile, String fileName, Map<String, String> overrides) {
        Map<String, ConfigKey<?>> known = new LinkedHashMap<>();
        ConfigKeys.ALL.forEach(k -> known.put(k.name(), k));
        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, String> sources = new LinkedHashMap<>();
        Map<String, String> kafkaProperties = new TreeMap<>();
        for (ConfigKey<?> key : ConfigKeys.ALL) {
            if (key.defaultValue() != null) {
                values.put(key.name(), key.defaultValue());
                sources.put(key.name(), "default");
            }
        }
        List<String> problems = new ArrayList<>();
        apply(fromFile, fileName, known, values, sources, kafkaProperties, problems);
        apply(overrides, "command line", known, values, sources, kafkaProperties, problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new GenAiBatchConfig(Map.copyOf(values), Map.copyOf(sources), Map.copyOf(kafkaProperties));
    }

    private static void apply(Map<String, String> raw, String source, Map<String, ConfigKey<?>> known,
                              Map<String, Object> values, Map<String, String> sources,
                              Map<String, String> kafkaProperties, List<String> problems) {
        raw.forEach((name, text) -> {
            if (name.startsWith(ConfigKeys.KAFKA_PROPERTIES_PREFIX)) {
                kafkaProperties.put(name.substring(ConfigKeys.KAFKA_PROPERTIES_PREFIX.length()), text);
                return;
            }
            ConfigKey<?> key = known.get(name);
            if (key == null && text == null && known.keySet().stream().anyMatch(k -> k.startsWith(name + "."))) {
                return; // an empty section such as "cost:" with every key commented out
            }
            if (key == null) {
                problems.add(source + ": unknown config key '" + name + "'" + suggestion(name, known.keySet()));
                return;
            }
            if (text == null) {
                return;
            }
            try {
                values.put(name, key.parse(text));
                sources.put(name, source);
            } catch (IllegalArgumentException | ArithmeticException e) {
                String allowed = key.validator().describe();
                problems.add(source + ": config key '" + name + "' has invalid value '" + text + "': " + e.getMessage()
                        + (allowed.isEmpty() || e.getMessage().contains(allowed) ? "" : " (allowed: " + allowed + ")"));
            }
        });
    }

    private static String suggestion(String name, Iterable<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : known) {
            int d = editDistance(name, candidate);
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        return best != null && bestDistance <= 3 ? " (did you mean '" + best + "'?)" : "";
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                flatten(prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey(), field.getValue(), out);
            }
        } else if (node.isArray()) {
            List<String> items = new ArrayList<>();
            node.forEach(n -> items.add(n.asText()));
            out.put(prefix, String.join(",", items));
        } else {
            out.put(prefix, node.isNull() ? null : node.asText());
        }
    }

    @SuppressWarnings("unchecked")
    public <T> T get(ConfigKey<T> key) {
        T value = (T) values.get(key.name());
        if (value == null) {
            throw new IllegalStateException("config key '" + key.name() + "' has no value and no default");
        }
        return value;
    }

    @SuppressWarnings("unchecked")
    public <T> Optional<T> find(ConfigKey<T> key) {
        return Optional.ofNullable((T) values.get(key.name()));
    }

    /** Where a key's value came from: "default", the file name, or "command line". */
    public String sourceOf(ConfigKey<?> key) {
        return sources.getOrDefault(key.name(), "unset");
    }

    /** The {@code kafka.properties.*} entries, without the prefix, for every Kafka client. */
    public Map<String, String> kafkaProperties() {
        return kafkaProperties;
    }
}
