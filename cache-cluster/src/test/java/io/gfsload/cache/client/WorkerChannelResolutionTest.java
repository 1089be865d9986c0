package io.gfsload.cache.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.gfsload.cache.api.CacheException;
import io.gfsload.cache.proto.WorkerAddress;
import io.grpc.ManagedChannel;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A worker's channel is made on first use, which resolves the worker's host (to tell whether it
 * is on this host): a host whose name takes long to resolve holds up no caller for another
 * worker, and callers for the same worker share its one channel.
 */
class WorkerChannelResolutionTest {
    /** TEST-NET-1 (RFC 5737): no interface of this host has it. */
    private static final byte[] REMOTE = {(byte) 192, 0, 2, 1};

    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        threads.shutdownNow();
    }

    /** Resolves every name to a remote address; {@code slow} only once the test releases it. */
    private static final class SlowResolver implements GrpcCacheClient.HostResolver {
        private final String slow;
        private final CountDownLatch entered = new CountDownLatch(1);
        private final CountDownLatch release = new CountDownLatch(1);
        private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

        SlowResolver(String slow) {
            this.slow = slow;
        }

        @Override
        public InetAddress resolve(String host) throws UnknownHostException {
            calls.computeIfAbsent(host, name -> new AtomicInteger()).incrementAndGet();
            if (host.equals(slow)) {
                entered.countDown();
                try {
                    release.await();
                }
                catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new UnknownHostException(host + ": interrupted");
                }
            }
            return InetAddress.getByAddress(host, REMOTE);
        }
    }

    /** A worker with a domain socket, so that the client asks whether it is on this host. */
    private static WorkerAddress worker(String id, String host) {
        return WorkerAddress.newBuilder().setWorkerId(id).setHost(host).setPort(29999)
                .setDomainSocket("/tmp/gfsload-worker-" + host + "-29999.sock").build();
    }

    private static GrpcCacheClient client(GrpcCacheClient.HostResolver resolver) {
        // no master answers there: only worker channels are made, which connect lazily
        return GrpcCacheClient.connect("127.0.0.1:1", ClientConfig.defaults(), resolver);
    }

    @Test
    void aWorkerWhoseHostTakesLongToResolveHoldsUpNoOtherWorkersChannel() throws Exception {
        SlowResolver resolver = new SlowResolver("slow.example");
        try (GrpcCacheClient client = client(resolver)) {
            Future<ManagedChannel> slow = threads.submit(() -> client.workerChannel(worker("worker-0", "slow.example")));
            resolver.entered.await();

            Future<ManagedChannel> other = threads.submit(() -> client.workerChannel(worker("worker-1", "fast.example")));
            ManagedChannel channel;
            try {
                // the slow host is released only after this: a wait for it here would never end on its own
                channel = other.get(60, TimeUnit.SECONDS);
            }
            catch (TimeoutException e) {
                throw new AssertionError("the channel of worker-1 waited for the resolution of worker-0's host", e);
            }
            finally {
                resolver.release.countDown();
            }

            assertFalse(channel.isShutdown());
            assertFalse(slow.get().isShutdown());
            assertEquals(2, client.workerChannelCount());
        }
    }

    @Test
    void callersForTheSameWorkerAtOnceShareOneChannel() throws Exception {
        SlowResolver resolver = new SlowResolver("shared.example");
        WorkerAddress worker = worker("worker-0", "shared.example");
        try (GrpcCacheClient client = client(resolver)) {
            Future<ManagedChannel> first = threads.submit(() -> client.workerChannel(worker));
            resolver.entered.await();
            List<Thread> callers = new ArrayList<>();
            List<Future<ManagedChannel>> others = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                CountDownLatch running = new CountDownLatch(1);
                Thread[] caller = new Thread[1];
                others.add(threads.submit(() -> {
                    caller[0] = Thread.currentThread();
                    running.countDown();
                    return client.workerChannel(worker);
                }));
                running.await();
                callers.add(caller[0]);
            }
            // every caller waits for the channel being made before the resolution ends
            for (Thread caller : callers) {
                while (caller.getState() == Thread.State.RUNNABLE || caller.getState() == Thread.State.NEW) {
                    Thread.onSpinWait();
                }
            }
            resolver.release.countDown();

            ManagedChannel channel = first.get();
            for (Future<ManagedChannel> other : others) {
                assertSame(channel, other.get(), "one channel for the worker");
            }
            assertEquals(1, client.workerChannelCount());
            assertEquals(1, resolver.calls.get("shared.example").get(), "the host resolved once");
            assertFalse(channel.isShutdown());
        }
    }

    @Test
    void aChannelThatCannotBeMadeForAnErrorFailsItsWaitingCallersTooAndTheNextCallTriesAgain() throws Exception {
        WorkerAddress worker = worker("worker-0", "broken.example");
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        GrpcCacheClient.HostResolver resolver = host -> {
            if (calls.incrementAndGet() == 1) {
                entered.countDown();
                try {
                    release.await();
                }
                catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                // as a transport whose native library or class cannot load
                throw new LinkageError("cannot load the transport");
            }
            return InetAddress.getByAddress(host, REMOTE);
        };
        try (GrpcCacheClient client = client(resolver)) {
            Future<ManagedChannel> first = threads.submit(() -> client.workerChannel(worker));
            entered.await();
            CountDownLatch running = new CountDownLatch(1);
            Thread[] caller = new Thread[1];
            Future<ManagedChannel> waiting = threads.submit(() -> {
                caller[0] = Thread.currentThread();
                running.countDown();
                return client.workerChannel(worker);
            });
            running.await();
            while (caller[0].getState() == Thread.State.RUNNABLE || caller[0].getState() == Thread.State.NEW) {
                Thread.onSpinWait();
            }
            release.countDown();

            ExecutionException failed = assertThrows(ExecutionException.class, first::get);
            assertInstanceOf(LinkageError.class, failed.getCause());
            ExecutionException waited;
            try {
                waited = assertThrows(ExecutionException.class, () -> waiting.get(60, TimeUnit.SECONDS));
            }
            catch (AssertionError e) {
                throw new AssertionError("a caller waiting for the channel must not wait for ever when making it failed", e);
            }
            assertInstanceOf(CacheException.class, waited.getCause());
            assertEquals(0, client.workerChannelCount());
            assertFalse(client.workerChannel(worker).isShutdown(), "the next call makes the channel");
        }
    }
}
