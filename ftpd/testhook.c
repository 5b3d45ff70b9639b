/*
 * testhook.c: see testhook.h.  Nothing here is compiled into a real server:
 * without FTPD_TEST_HOOKS the function is empty.
 */
#include "testhook.h"

#ifdef FTPD_TEST_HOOKS
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

void
testhook_hand_over(const char *env, int mon_fd)
{
	const char *name = getenv(env);
	struct sockaddr_un sun;
	char byte = 'x';
	struct iovec iov = { &byte, 1 };
	union {
		struct cmsghdr hdr;
		char space[CMSG_SPACE(sizeof(int))];
	} cm;
	struct msghdr mh;
	struct cmsghdr *c;
	int s;

	if (name == NULL || *name == '\0' || strlen(name) >= sizeof(sun.sun_path) - 1)
		return;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path + 1, name, strlen(name));	/* abstract: no file, any chroot */
	if ((s = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    connect(s, (struct sockaddr *)&sun, (socklen_t)(offsetof(struct sockaddr_un,
	    sun_path) + 1 + strlen(name))) == -1)
		_exit(99);
	memset(&mh, 0, sizeof(mh));
	memset(&cm, 0, sizeof(cm));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.space;
	mh.msg_controllen = sizeof(cm.space);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &mon_fd, sizeof(int));
	if (sendmsg(s, &mh, 0) != 1)
		_exit(99);
	for (;;)
		pause();	/* the test is this process now; the monitor may kill it */
}
#else
void
testhook_hand_over(const char *env, int mon_fd)
{
	(void)env;
	(void)mon_fd;
}
#endif
