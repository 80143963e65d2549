package io.genaibatch.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
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

/**
 * The validated configuration: defaults from {@link ConfigKeys}, then the YAML file, then explicit overrides
 * (command-line flags). Immutable. A bad value fails here, at start, naming the key, the value and what is allowed.
 */
public final class GenAiBatchConfig {
    private final Map<String, Object> values;
    private final Map<String, String> sources;
    private final Map<String, String> kafkaProperties;
    /** model → window key name → value, from {@code window.models.<model>.<setting>}. */
    private final Map<String, Map<String, Object>> modelValues;

    private final Map<String, Map<String, String>> modelSources;

    private GenAiBatchConfig(
            Map<String, Object> values,
            Map<String, String> sources,
            Map<String, String> kafkaProperties,
            Map<String, Map<String, Object>> modelValues,
            Map<String, Map<String, String>> modelSources) {
        this.values = values;
        this.sources = sources;
        this.kafkaProperties = kafkaProperties;
        this.modelValues = modelValues;
        this.modelSources = modelSources;
    }

    public static GenAiBatchConfig defaults() {
        return of(Map.of());
    }

    /** Defaults plus the given overrides (key → value as a user writes it). */
    public static GenAiBatchConfig of(Map<String, String> overrides) {
        return build(Map.of(), Map.of(), "", overrides);
    }

    /**
     * Loads {@code yamlFile} (null: defaults only) and applies {@code overrides} on top.
     *
     * @throws ConfigException listing every problem: unknown keys, unparsable or out-of-range values
     */
    public static GenAiBatchConfig load(Path yamlFile, Map<String, String> overrides) {
        return load(Map.of(), yamlFile, overrides);
    }

    /**
     * As {@link #load(Path, Map)}, with {@code modeDefaults} between the built-in defaults and the file: what a mode
     * such as {@code local} changes for its purpose, which the user's file and flags still override.
     */
    public static GenAiBatchConfig load(
            Map<String, String> modeDefaults, Path yamlFile, Map<String, String> overrides) {
        if (yamlFile == null) {
            return build(modeDefaults, Map.of(), "", overrides);
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
        return build(modeDefaults, fromFile, yamlFile.toString(), overrides);
    }

    private static GenAiBatchConfig build(
            Map<String, String> modeDefaults,
            Map<String, String> fromFile,
            String fileName,
            Map<String, String> overrides) {
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
        Map<String, Map<String, Object>> modelValues = new TreeMap<>();
        Map<String, Map<String, String>> modelSources = new TreeMap<>();
        Collected collected = new Collected(values, sources, kafkaProperties, modelValues, modelSources);
        apply(modeDefaults, "mode default", known, collected, problems);
        apply(fromFile, fileName, known, collected, problems);
        apply(overrides, "command line", known, collected, problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        Map<String, Map<String, Object>> frozenValues = new TreeMap<>();
        modelValues.forEach((model, v) -> frozenValues.put(model, Map.copyOf(v)));
        Map<String, Map<String, String>> frozenSources = new TreeMap<>();
        modelSources.forEach((model, v) -> frozenSources.put(model, Map.copyOf(v)));
        GenAiBatchConfig config = new GenAiBatchConfig(
                Map.copyOf(values),
                Map.copyOf(sources),
                Map.copyOf(kafkaProperties),
                java.util.Collections.unmodifiableMap(frozenValues),
                java.util.Collections.unmodifiableMap(frozenSources));
        List<String> across = ConfigRules.problems(config);
        if (!across.isEmpty()) {
            throw new ConfigException(across);
        }
        return config;
    }

    private record Collected(
            Map<String, Object> values,
            Map<String, String> sources,
            Map<String, String> kafkaProperties,
            Map<String, Map<String, Object>> modelValues,
            Map<String, Map<String, String>> modelSources) {}

    private static void apply(
            Map<String, String> raw,
            String source,
            Map<String, ConfigKey<?>> known,
            Collected into,
            List<String> problems) {
        Map<String, Object> values = into.values();
        Map<String, String> sources = into.sources();
        raw.forEach((name, text) -> {
            if (name.startsWith(ConfigKeys.KAFKA_PROPERTIES_PREFIX)) {
                String setting = name.substring(ConfigKeys.KAFKA_PROPERTIES_PREFIX.length());
                FixedKafkaSettings.refusal(setting)
                        .ifPresentOrElse(
                                why -> problems.add(source + ": " + why),
                                () -> into.kafkaProperties().put(setting, text));
                return;
            }
            if (name.startsWith(ConfigKeys.WINDOW_MODELS_PREFIX)) {
                applyModelSetting(name, text, source, into, problems);
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

    /**
     * {@code window.models.<model>.<setting>}: the model name may contain dots (gemini-2.5-flash), the setting
     * never does, so the setting is what follows the last dot. The value is parsed and checked by the same
     * declaration as {@code window.<setting>}.
     */
    private static void applyModelSetting(
            String name, String text, String source, Collected into, List<String> problems) {
        String rest = name.substring(ConfigKeys.WINDOW_MODELS_PREFIX.length());
        int dot = rest.lastIndexOf('.');
        String model = dot <= 0 ? "" : rest.substring(0, dot);
        String setting = rest.substring(dot + 1);
        ConfigKey<?> key = null;
        for (ConfigKey<?> candidate : ConfigKeys.WINDOW_SETTINGS) {
            if (ConfigKeys.windowSetting(candidate).equals(setting)) {
                key = candidate;
            }
        }
        List<String> settings = ConfigKeys.WINDOW_SETTINGS.stream()
                .map(ConfigKeys::windowSetting)
                .toList();
        if (model.isBlank() || key == null) {
            problems.add(source + ": unknown config key '" + name + "': per-model window keys are "
                    + ConfigKeys.WINDOW_MODELS_PREFIX + "<model>.<setting> with setting one of "
                    + String.join(", ", settings));
            return;
        }
        if (text == null) {
            return;
        }
        try {
            into.modelValues()
                    .computeIfAbsent(model, m -> new LinkedHashMap<>())
                    .put(key.name(), key.parse(text));
            into.modelSources()
                    .computeIfAbsent(model, m -> new LinkedHashMap<>())
                    .put(key.name(), source);
        } catch (IllegalArgumentException | ArithmeticException e) {
            problems.add(source + ": config key '" + name + "' has invalid value '" + text + "': " + e.getMessage());
        }
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

    /** Models that have at least one {@code window.models.<model>.*} setting, as written in the configuration. */
    public java.util.Set<String> windowModels() {
        return modelValues.keySet();
    }

    /** The per-model value of a window key ({@code window.models.<model>.<setting>}), if the configuration sets one. */
    @SuppressWarnings("unchecked")
    public <T> Optional<T> findForModel(String model, ConfigKey<T> key) {
        return Optional.ofNullable((T) modelValues.getOrDefault(model, Map.of()).get(key.name()));
    }

    /** Where a per-model window value came from: the file name or "command line"; "unset" when not set. */
    public String sourceOf(String model, ConfigKey<?> key) {
        return modelSources.getOrDefault(model, Map.of()).getOrDefault(key.name(), "unset");
    }

    /** The {@code kafka.properties.*} entries, without the prefix, for every Kafka client. */
    public Map<String, String> kafkaProperties() {
        return kafkaProperties;
    }
}
