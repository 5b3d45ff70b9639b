/*
 * ascii.c: TYPE A conversion between the local LF and the network CR LF.
 *
 * Pure functions over buffers; state between buffers is one int.
 */
#include "ascii.h"

size_t
ascii_to_net(const char *in, size_t n, char *out, int *last)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (in[i] == '\n' && *last != '\r')
			out[o++] = '\r';
		out[o++] = in[i];
		*last = (unsigned char)in[i];
	}
	return o;
}

size_t
ascii_from_net(const char *in, size_t n, char *out, int *cr)
{
	size_t i, o = 0;

	if (n == 0 && *cr) {
		*cr = 0;
		out[o++] = '\r';
		return o;
	}
	for (i = 0; i < n; i++) {
		if (*cr) {
			*cr = 0;
			if (in[i] != '\n')
				out[o++] = '\r';
		}
		if (in[i] == '\r')
			*cr = 1;
		else
			out[o++] = in[i];
	}
	return o;
}
