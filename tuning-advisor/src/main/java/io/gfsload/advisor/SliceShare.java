package io.gfsload.advisor;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * One slice's share of the rates of a load that runs in slices side by side (a Spark job's): of
 * the cap on the load's reads ({@code --bandwidth}), which its limiter holds, and of the store's
 * rate for all streams, which the slices share the same way. The share is {@code weight /
 * totalWeight}; {@link #byBytes} weighs slices by the bytes each reads.
 *
 * @param index the slice's place among the load's slices, from 0
 * @param slices how many slices the load runs in
 * @param weight the slice's weight, at least 1
 * @param totalWeight the weights of all the load's slices together
 */
public record SliceShare(int index, int slices, long weight, long totalWeight) {
    /** A load in one process: all of every rate. */
    public static final SliceShare WHOLE = new SliceShare(0, 1, 1, 1);

    /** No slice's weight is below this fraction of an even share's. */
    static final int LEAST_OF_AN_EVEN_SHARE = 4;

    public SliceShare {
        if (slices < 1) {
            throw new IllegalArgumentException("slices must be >= 1: " + slices);
        }
        if (index < 0 || index >= slices) {
            throw new IllegalArgumentException("index must be in [0, %d): %d".formatted(slices, index));
        }
        if (weight < 1 || totalWeight < weight) {
            throw new IllegalArgumentException("weight must be in [1, totalWeight %d]: %d".formatted(totalWeight, weight));
        }
    }

    /** Each of {@code slices} slices with an even share. */
    public static List<SliceShare> even(int slices) {
        return byBytes(new long[slices]);
    }

    /**
     * The shares of slices that read {@code bytes} each: in proportion to what each reads, so that
     * slices of unequal size (a file larger than the rest together) end together rather than the
     * smaller leaving its share unused; but none below a quarter of an even share, since a slice
     * also reads what the plan did not count (blocks written again after an eviction or a lost
     * worker). Even shares when none reads anything.
     *
     * @throws IllegalArgumentException for no slices, or a negative count of bytes
     */
    public static List<SliceShare> byBytes(long[] bytes) {
        if (bytes.length == 0) {
            throw new IllegalArgumentException("no slices");
        }
        if (Arrays.stream(bytes).anyMatch(b -> b < 0)) {
            throw new IllegalArgumentException("bytes must be >= 0: " + Arrays.toString(bytes));
        }
        long total = Arrays.stream(bytes).reduce(0, SliceShare::saturatedAdd);
        long least = Math.max(1, total / LEAST_OF_AN_EVEN_SHARE / bytes.length);
        long[] weights = Arrays.stream(bytes).map(b -> Math.max(least, b)).toArray();
        long totalWeight = Arrays.stream(weights).reduce(0, SliceShare::saturatedAdd);
        List<SliceShare> shares = new ArrayList<>(bytes.length);
        for (int i = 0; i < bytes.length; i++) {
            shares.add(new SliceShare(i, bytes.length, weights[i], totalWeight));
        }
        return List.copyOf(shares);
    }

    /** The share of {@code rate} (bytes a second), at least 1; 0 for a rate of 0 (not capped, or not known). */
    public long of(long rate) {
        if (rate <= 0) {
            return 0;
        }
        long share = BigInteger.valueOf(rate).multiply(BigInteger.valueOf(weight)).divide(BigInteger.valueOf(totalWeight)).longValueExact();
        return Math.max(1, share);
    }

    /** Whether every slice of the load has the same share (a load in one process has). */
    public boolean isEven() {
        return BigInteger.valueOf(weight).multiply(BigInteger.valueOf(slices)).equals(BigInteger.valueOf(totalWeight));
    }

    /** The share in parts per million. */
    public long partsPerMillion() {
        return BigInteger.valueOf(weight).multiply(BigInteger.valueOf(1_000_000)).divide(BigInteger.valueOf(totalWeight)).longValueExact();
    }

    /**
     * {@code rate}, named {@code what}, and this slice's share of it, for a reason: {@code --bandwidth
     * 400 MiB/s} for a load in one process, {@code --bandwidth 400 MiB/s / 4 slices = 100 MiB/s}
     * for an even share, {@code --bandwidth 400 MiB/s x 62.5% (slice 1 of 4, by the bytes it reads)
     * = 250 MiB/s} for another, without the parenthesis unless {@code named}.
     */
    String describe(String what, long rate, boolean named) {
        if (slices == 1) {
            return "%s %s".formatted(what, Units.bandwidth(rate));
        }
        if (isEven()) {
            return "%s %s / %d slices = %s".formatted(what, Units.bandwidth(rate), slices, Units.bandwidth(of(rate)));
        }
        return "%s %s x %s%s = %s".formatted(what, Units.bandwidth(rate), percent(),
                named ? " (slice %d of %d, by the bytes it reads)".formatted(index + 1, slices) : "", Units.bandwidth(of(rate)));
    }

    /** {@code 62.5%}. */
    String percent() {
        return String.format(Locale.ROOT, "%.1f%%", partsPerMillion() / 10_000.0);
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }
}
