package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import dev.failsafe.RetryPolicy;
import dev.failsafe.RetryPolicyBuilder;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.MasterSilence;
import io.gfsload.cache.api.MasterUnavailableException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/** How a load tries a call again while the cache master does not answer: one rule for every such call. */
final class MasterRetries {
    private MasterRetries() {}

    /**
     * A policy, to be given its waits, that tries a call again while it fails because the master
     * does not answer (a {@link MasterUnavailableException}, or a failure caused by one), for as long
     * as the silence {@code cache}'s client tracks stays under its limit; where the client tracks
     * none, for {@code untrackedTries} tries. It gives up at once when {@code stopped} says so, and
     * when the silence passes its limit, having told {@code silenceExceeded} the failure to report
     * ({@link MasterSilence#failure}).
     */
    static RetryPolicyBuilder<Object> whileSilent(CacheClient cache, int untrackedTries, BooleanSupplier stopped,
            Consumer<MasterUnavailableException> silenceExceeded) {
        requireNonNull(cache, "cache is null");
        requireNonNull(stopped, "stopped is null");
        requireNonNull(silenceExceeded, "silenceExceeded is null");
        AtomicInteger untracked = new AtomicInteger();
        return RetryPolicy.builder()
                .handleIf(failure -> Failures.masterUnavailable(failure).isPresent())
                .abortIf((result, failure) -> {
                    if (stopped.getAsBoolean()) {
                        return true;
                    }
                    Optional<MasterSilence> silence = cache.masterSilence();
                    if (silence.isPresent() && silence.get().exceeded()) {
                        silenceExceeded.accept(silence.get().failure());
                        return true;
                    }
                    return silence.isEmpty() && untracked.incrementAndGet() >= untrackedTries;
                })
                .withMaxAttempts(-1);
    }
}
