package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.gfsload.advisor.BackendProfile;
import io.gfsload.advisor.Setting;
import io.gfsload.advisor.Settings;
import io.gfsload.advisor.Units;
import io.gfsload.advisor.WorkloadProfile;
import io.gfsload.cache.api.FileErrors;
import io.gfsload.cache.server.CacheServerConfig;
import io.gfsload.executor.LoadExecutor;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import io.gfsload.planner.PlanWorkload;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code gfsload tune --table db.t [--partition k=v]... | --path PATH...}: plans the load, derives
 * the settings for it and prints them with their reasons; writes the COS client's settings as a
 * {@code core-site.xml} fragment and the cache cluster's as a properties file on request. Loads
 * nothing.
 */
@Command(name = "tune",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = "Recommends settings for a load, each with the rule and the numbers behind it: the COS client's (fs.cosn.*), "
                + "the cache workers' and job workers' (goosefs.*), GooseFS's distributedLoad --active-jobs (goosefs-distributedLoad.active-jobs) and gfsload's executor's (executor.*: gfsload's own --active-jobs sets executor.active-files). "
                + "Plans the load to read the sizes of the files it has left to load (those already cached are left out; with "
                + "everything cached, the whole plan's, said so); loads nothing.")
public final class TuneCommand implements Callable<Integer> {
    /** Indented; a decimal (a latency in milliseconds) as its digits, {@code 20}, {@code 0.3125}, never {@code 2E+1}. */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
            .build();

    private final CliEnvironment environment;

    @Spec
    CommandSpec spec;

    @Mixin
    TableSelectionOptions selection;

    @Option(names = "--path", paramLabel = "PATH", arity = "1..*",
            description = "UFS file or directory to tune for instead of a table, e.g. cosn://bucket/dir. Several after one --path, or --path repeated.")
    List<String> paths = new ArrayList<>();

    @Mixin
    LoadOptions load;

    @Option(names = "--core-site", paramLabel = "FILE", description = "Write the fs.cosn.* settings to FILE, a core-site.xml: into it when it exists (its other properties stay, "
                    + "and its mode, owner and group; a symbolic link is followed), else as a new file.")
    Path coreSite;

    @Option(names = "--cluster-properties", paramLabel = "FILE",
            description = "Write the cache workers' and job workers' goosefs.* settings, and those of them gfsload's own cache cluster has by their gfsload.cache.* names, to FILE, a properties file: into it when it exists (its other properties stay, "
                    + "and its mode, owner and group; a symbolic link is followed), else as a new file.")
    Path clusterProperties;

    @Mixin
    WorkloadOptions workload;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    MetastoreOptions metastore;

    public TuneCommand(CliEnvironment environment) {
        this.environment = requireNonNull(environment, "environment is null");
    }

    @Override
    public Integer call() {
        LoadRequest request = new LoadRequest(target(), load.replication);
        workload.validate();
        Optional<String> existingCoreSite = existing("--core-site", coreSite);
        existingCoreSite.ifPresent(this::checkConfiguration);
        Optional<String> existingClusterProperties = existing("--cluster-properties", clusterProperties);
        existingClusterProperties.ifPresent(this::checkProperties);
        boolean table = request.target() instanceof LoadTarget.Table;
        Tuned tuned;
        // SIGINT or SIGTERM from here on, while the metastore and the cache open too: one line says nothing is printed or written
        AtomicBoolean planning = new AtomicBoolean();
        try (CommandInterruption interruption = CommandInterruption.start(spec, load,
                () -> "interrupted %s planning: no settings printed%s".formatted(planning.get() ? "while" : "before",
                        coreSite != null || clusterProperties != null ? " or written" : ""));
                Services services = Services.open(environment, connection, table ? Optional.of(metastore) : Optional.empty(), spec.commandLine().getErr())) {
            // settings for a replication the cluster can never give are no use: refused as a load refuses it
            LoadExecutor.checkReplication(request.replication(), services.cache().clusterInfo());
            LoadRunner runner = new LoadRunner(services, spec.commandLine().getErr(), PlanningProgress.display(ProgressReporter.stderrIsTerminal()));
            interruption.planning(runner::stopPlanningProgress);
            planning.set(true);
            LoadRunner.Planned planned = runner.plan(request, workload, List.of());
            tuned = new Tuned(request.target().describe(), planned.profile(), planned.settings(), planned.plan().workload(),
                    planned.plan().stats().cachedBytes());
        }
        if (CommandInterruption.ended()) {
            // the settings were derived as SIGINT or SIGTERM came: the hook said none are printed or written, and none are
            return ExitCode.FAILED;
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (coreSite != null) {
            List<SettingsFiles.Entry> entries = entries(tuned, Settings.CORE_SITE_PREFIX);
            write(coreSite, existingCoreSite.map(xml -> SettingsFiles.mergeXml(xml, entries)), () -> coreSiteXml(tuned), err,
                    "%d fs.cosn.* settings".formatted(entries.size()));
        }
        if (clusterProperties != null) {
            List<SettingsFiles.Entry> entries = new ArrayList<>(entries(tuned, Settings.CLUSTER_PREFIX));
            List<SettingsFiles.Entry> ownEntries = ownClusterEntries(tuned);
            entries.addAll(ownEntries);
            write(clusterProperties, existingClusterProperties.map(text -> SettingsFiles.mergeProperties(text, entries)),
                    () -> clusterProperties(tuned), err, "%d goosefs.* settings and the %d gfsload.cache.* settings of the same meaning"
                            .formatted(entries.size() - ownEntries.size(), ownEntries.size()));
        }
        err.flush();
        load.printing();
        out.print(load.json ? json(tuned) + System.lineSeparator() : table(tuned));
        out.flush();
        return ExitCode.OK;
    }

    /** The table selection or the paths; exactly one of them. */
    private LoadTarget target() {
        return selection.toTarget(spec, paths, "tune for", environment.hadoopSettings());
    }

    /**
     * The content of {@code file} when it exists (the settings go into it, its other entries
     * stay), empty when it does not or no file was asked for.
     *
     * @throws ParameterException when it cannot be written or read
     */
    private Optional<String> existing(String option, Path file) {
        if (file == null) {
            return Optional.empty();
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new ParameterException(spec.commandLine(), "Cannot write %s %s: no directory %s".formatted(option, file, parent));
        }
        if (Files.isDirectory(file)) {
            throw new ParameterException(spec.commandLine(), "Cannot write %s %s: it is a directory".formatted(option, file));
        }
        try {
            // a FIFO would block the read, and a device would be replaced by the write
            Optional<String> notAFile = AtomicFiles.whyNotAFile(file);
            if (notAFile.isPresent()) {
                throw new ParameterException(spec.commandLine(), "Cannot write %s %s: %s, not a file".formatted(option, file, notAFile.get()));
            }
            if (!Files.exists(file)) {
                return Optional.empty();
            }
            return Optional.of(Files.readString(file));
        }
        catch (IOException e) {
            throw new ParameterException(spec.commandLine(), "Cannot update %s %s: %s".formatted(option, file, FileErrors.reason(e, file)));
        }
    }

    /** Refuses an XML file (a core-site.xml given by mistake), which properties lines would break. */
    private void checkProperties(String text) {
        if (text.replace("\uFEFF", "").stripLeading().startsWith("<")) {
            throw new ParameterException(spec.commandLine(), "Cannot update --cluster-properties %s: it holds XML, not properties"
                    .formatted(clusterProperties));
        }
    }

    private void checkConfiguration(String xml) {
        try {
            SettingsFiles.parseConfiguration(xml);
        }
        catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "Cannot update --core-site %s: %s".formatted(coreSite, e.getMessage()));
        }
    }

    /**
     * Writes {@code merged} into {@code file} when it existed, else a new file of {@code fresh}
     * (into the file a symbolic link leads to, keeping its mode, owner and group), and says so
     * on {@code err}, with a line when the owner or group could not be kept.
     */
    private static void write(Path file, Optional<SettingsFiles.Merged> merged, Supplier<String> fresh, PrintWriter err, String what) {
        AtomicFiles.Written written = AtomicFiles.write(file, merged.map(SettingsFiles.Merged::content).orElseGet(fresh), "the settings");
        String where = written.target().equals(file.toAbsolutePath()) ? file.toString() : "%s (a link to %s)".formatted(file, written.target());
        if (merged.isPresent()) {
            err.printf("Wrote the %s into %s, keeping its %d other entries%n", what, where, merged.get().kept());
        }
        else {
            err.printf("Wrote the %s to %s%n", what, where);
        }
        written.warning().ifPresent(warning -> err.printf("gfsload: warning: %s%n", warning));
    }

    /** The settings of {@code prefix}, as they go into a file. */
    /**
     * The GooseFS settings gfsload's own cache cluster has, by their gfsload.cache.* names: written
     * beside them, so that the file configures either cluster ({@code gfsload cluster start
     * --config} skips the goosefs.* names, GooseFS the gfsload.cache.* ones).
     */
    static final Map<String, String> OWN_CLUSTER_NAMES = Map.of(
            Settings.WORKER_READER_BUFFER_SIZE, CacheServerConfig.WORKER_READER_BUFFER_SIZE,
            Settings.CLIENT_POOL_MAX, CacheServerConfig.CLIENT_POOL_MAX);

    private static List<SettingsFiles.Entry> ownClusterEntries(Tuned tuned) {
        List<SettingsFiles.Entry> entries = new ArrayList<>();
        for (Setting s : tuned.settings().withPrefix(Settings.CLUSTER_PREFIX)) {
            String own = OWN_CLUSTER_NAMES.get(s.name());
            if (own != null) {
                entries.add(new SettingsFiles.Entry(own, String.valueOf(s.value()), "As %s, for gfsload's cache cluster".formatted(s.name())));
            }
        }
        return entries;
    }

    private static List<SettingsFiles.Entry> entries(Tuned tuned, String prefix) {
        List<SettingsFiles.Entry> entries = new ArrayList<>();
        for (Setting s : tuned.settings().withPrefix(prefix)) {
            entries.add(new SettingsFiles.Entry(s.name(), String.valueOf(s.value()), description(s)));
        }
        return entries;
    }

    /**
     * A tuned load: what it is for, what the advisor knew and what it recommends.
     *
     * @param workload what the plan has left to load, which the profile's files describe (the
     *     whole plan when nothing is left)
     * @param cachedBytes the plan's bytes already cached, which the workload leaves out
     */
    record Tuned(String target, WorkloadProfile profile, Settings settings, PlanWorkload workload, long cachedBytes) {}

    static String table(Tuned tuned) {
        WorkloadProfile p = tuned.profile();
        StringBuilder out = new StringBuilder();
        String files = "%s, %s%s (median %s, mean %s)".formatted(Sizes.count(p.files(), "file"), Sizes.format(p.bytes()),
                tuned.workload().wholePlan() ? "" : " to load", Sizes.format(p.medianFileBytes()), Sizes.format(p.meanFileBytes()));
        if (tuned.workload().wholePlan() && p.files() > 0) {
            // nothing left to load: what a load of the plan would use with nothing cached, said so
            out.append("Settings for %s: nothing to load (every block cached); for the whole plan as if nothing were cached: %s%n".formatted(tuned.target(), files));
        }
        else {
            out.append("Settings for %s: %s%s%n".formatted(tuned.target(), files,
                    tuned.cachedBytes() == 0 ? "" : "; the %s already cached are left out".formatted(Sizes.format(tuned.cachedBytes()))));
        }
        out.append("Executor: %d cores, heap %s. Workers: %d, %s memory each, MEM tier %s. UFS: %s%s%n".formatted(p.cores(), Sizes.format(p.maxHeapBytes()),
                p.workers(), Sizes.format(p.hostMemoryBytes()), Sizes.format(p.memoryTierBytes()), describe(p.backend()),
                p.bandwidthCap() == 0 ? "" : "; reads capped at %s/s (--bandwidth)".formatted(Sizes.format(p.bandwidthCap()))));
        int width = tuned.settings().values().stream().mapToInt(s -> s.name().length()).max().orElse(7);
        String format = "%-" + width + "s %12s %-8s %-7s %s%n";
        out.append(format.formatted("SETTING", "VALUE", "UNIT", "SOURCE", "REASON"));
        for (Setting s : tuned.settings().values()) {
            out.append(format.formatted(s.name(), s.value(), s.unit(), s.source().name().toLowerCase(Locale.ROOT), s.reason()));
        }
        return out.toString();
    }

    private static String describe(BackendProfile backend) {
        if (!backend.isKnown()) {
            return "unknown (give --ufs-latency-ms, --ufs-stream-bandwidth, --ufs-aggregate-bandwidth, or --probe)";
        }
        return "latency %s, %s per stream, %s in all".formatted(
                backend.hasLatency() ? Units.latency(backend.requestLatency()) + origin(backend.provenance().latency()) : "unknown",
                backend.hasPerStreamBandwidth() ? Sizes.format(backend.perStreamBytesPerSecond()) + "/s" + origin(backend.provenance().perStream()) : "unknown",
                backend.hasAggregateCap() ? Sizes.format(backend.aggregateBytesPerSecond()) + "/s" + origin(backend.provenance().aggregate()) : "unknown");
    }

    private static String origin(BackendProfile.Origin origin) {
        return " (" + (origin == BackendProfile.Origin.PROBED ? "probed" : "given") + ")";
    }

    /** The output of {@code --json}: first {@code exitCode}, the command's, as the JSON of {@code plan} and {@code status} has it. */
    record TunedJson(int exitCode, String target, ProfileJson profile, boolean wholePlan, long cachedBytes, List<Setting> settings) {}

    /**
     * The profile with plain numbers; {@code bandwidthCapBytesPerSecond} 0 when --bandwidth was not given.
     *
     * @param requestLatencyMillis the store's latency in milliseconds, to the nanosecond ({@code 20}, {@code 0.3125}: a probe of a
     *     store nearby measures less than one), as the table shows it; 0 when unknown
     */
    record ProfileJson(int cores, long maxHeapBytes, long hostMemoryBytes, long memoryTierBytes, int workers, long files, long bytes,
            long medianFileBytes, long meanFileBytes, long blockBytes, BigDecimal requestLatencyMillis, long perStreamBytesPerSecond,
            long aggregateBytesPerSecond, BackendProfile.Provenance backendProvenance, long bandwidthCapBytesPerSecond) {
        static ProfileJson of(WorkloadProfile p) {
            return new ProfileJson(p.cores(), p.maxHeapBytes(), p.hostMemoryBytes(), p.memoryTierBytes(), p.workers(), p.files(), p.bytes(),
                    p.medianFileBytes(), p.meanFileBytes(), p.blockBytes(), millis(p.backend().requestLatency()),
                    p.backend().perStreamBytesPerSecond(), p.backend().aggregateBytesPerSecond(), p.backend().provenance(), p.bandwidthCap());
        }
    }

    /** {@code duration} in milliseconds, exactly, without trailing zeros; however long (a latency of centuries has more nanoseconds than a long holds). */
    private static BigDecimal millis(Duration duration) {
        BigDecimal millis = BigDecimal.valueOf(duration.getSeconds()).multiply(BigDecimal.valueOf(1000)).add(BigDecimal.valueOf(duration.getNano(), 6));
        return millis.signum() == 0 ? BigDecimal.ZERO : millis.stripTrailingZeros();
    }

    static String json(Tuned tuned) {
        try {
            return JSON.writeValueAsString(new TunedJson(ExitCode.OK, tuned.target(), ProfileJson.of(tuned.profile()), tuned.workload().wholePlan(), tuned.cachedBytes(),
                    tuned.settings().values()));
        }
        catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot write the settings as JSON", e);
        }
    }

    /** The fs.cosn.* settings as a Hadoop configuration document, each with its reason and rule. */
    static String coreSiteXml(Tuned tuned) {
        StringBuilder xml = new StringBuilder();
        xml.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        // a new file, which may be core-site.xml itself: a later tune on it merges (SettingsFiles.mergeXml)
        xml.append("<!-- COS client settings for %s, by gfsload tune; gfsload tune writing this file again replaces them and keeps any other property. -->\n"
                .formatted(escapeComment(tuned.target())));
        xml.append("<configuration>\n");
        for (Setting s : tuned.settings().withPrefix(Settings.CORE_SITE_PREFIX)) {
            xml.append("  <property>\n");
            xml.append("    <name>").append(escape(s.name())).append("</name>\n");
            xml.append("    <value>").append(s.value()).append("</value>\n");
            xml.append("    <description>").append(escape(description(s))).append("</description>\n");
            xml.append("  </property>\n");
        }
        xml.append("</configuration>\n");
        return xml.toString();
    }

    /**
     * The cache workers' and job workers' settings as a properties file, each after a comment with
     * its reason; GooseFS's client's {@code distributedLoad --active-jobs} as a comment.
     */
    static String clusterProperties(Tuned tuned) {
        StringBuilder properties = new StringBuilder();
        properties.append("# Cache cluster settings for %s, by gfsload tune.%n".formatted(oneLine(tuned.target())));
        tuned.settings().find(Settings.GOOSEFS_ACTIVE_JOBS).ifPresent(jobs -> properties.append(
                "# Client: distributedLoad --active-jobs %d (%s)%n".formatted(jobs.value(), oneLine(jobs.reason()))));
        for (Setting s : tuned.settings().withPrefix(Settings.CLUSTER_PREFIX)) {
            properties.append("%n# %s%n%s=%d%n".formatted(oneLine(description(s)), s.name(), s.value()));
        }
        for (SettingsFiles.Entry own : ownClusterEntries(tuned)) {
            properties.append("%n# %s%n%s=%s%n".formatted(own.description(), own.name(), own.value()));
        }
        return properties.toString();
    }

    private static String description(Setting s) {
        String source = s.source() == Setting.Source.ADVISOR ? "" : " [" + s.source().name().toLowerCase(Locale.ROOT) + "]";
        return s.rule().isEmpty() ? s.reason() + source : "%s%s. Rule: %s".formatted(s.reason(), source, s.rule());
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String escapeComment(String text) {
        return escape(text).replace("--", "- -");
    }

    private static String oneLine(String text) {
        return text.replace('\r', ' ').replace('\n', ' ');
    }

}
