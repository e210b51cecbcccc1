/* Which vector code may run: what the CPU has, capped for tests and
 * benchmarks. Every vector path in core/ asks here and gives the same
 * bytes as its plain loop. */
#ifndef WINNOW_CPU_H
#define WINNOW_CPU_H

enum cpu_level {
	CPU_PLAIN = 0,
	CPU_AVX2 = 1,    /* AVX2 */
	CPU_AVX512 = 2   /* AVX-512 F, BW, VL and VBMI (Ice Lake, Zen 4 and later) */
};

/* cpu_level() : the highest level the CPU has, at most the cap.
 * Thread-safe: the CPU is asked once (pthread_once), by the first call. */
int cpu_level(void);

/* cpu_set_simd() : caps cpu_level() (CPU_PLAIN: plain loops only, and
 * no shortcuts such as the warps' pixel copies; the default is
 * CPU_AVX512). Not thread-safe: call it while no other thread calls
 * cpu_level() or cpu_cap(), before the work (tests and benchmarks do). */
void cpu_set_simd(int cap);

/* cpu_cap() : the cap cpu_set_simd() set, whatever the CPU has. */
int cpu_cap(void);

#endif
