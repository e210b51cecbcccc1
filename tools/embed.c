/* Turns a file into C source, so the review page is part of the binary:
 *   embed NAME IN OUT.c
 * writes `const unsigned char NAME[]` (NUL-terminated) and
 * `const unsigned long NAME_len` (without the NUL). */
#include <stdio.h>

int main(int argc, char **argv)
{
	FILE *in, *out;
	unsigned long n = 0;
	int c;

	if (argc != 4) {
		fprintf(stderr, "usage: embed NAME IN OUT.c\n");
		return 2;
	}
	in = fopen(argv[2], "rb");
	out = fopen(argv[3], "w");
	if (!in || !out) {
		perror(in ? argv[3] : argv[2]);
		return 1;
	}
	fprintf(out, "/* Made by tools/embed.c from %s. */\nconst unsigned char %s[] = {", argv[2],
		argv[1]);
	while ((c = getc(in)) != EOF)
		fprintf(out, "%s%d,", n++ % 20 ? "" : "\n\t", c);
	fprintf(out, "\n\t0\n};\nconst unsigned long %s_len = %luUL;\n", argv[1], n);
	fclose(in);
	return fclose(out) ? 1 : 0;
}
