/*
 * codes.h: FTP reply codes by name (RFC 959 4.2, RFC 2228, RFC 2428, RFC 3659, RFC 4217).
 */
#ifndef FTPD_CODES_H
#define FTPD_CODES_H

#define FTP_DATACONN	150	/* about to open data connection */
#define FTP_OK		200
#define FTP_SUPERFLUOUS	202
#define FTP_STATUS	211
#define FTP_DIRSTATUS	212
#define FTP_FILESTATUS	213
#define FTP_HELP	214
#define FTP_SYST	215
#define FTP_GREET	220
#define FTP_GOODBYE	221
#define FTP_ABOR_NOCONN	225
#define FTP_TRANSFEROK	226
#define FTP_PASVOK	227
#define FTP_EPSVOK	229
#define FTP_LOGINOK	230
#define FTP_CERTLOGINOK	232	/* RFC 2228: logged in by security data exchange */
#define FTP_AUTHOK	234	/* RFC 2228: security data exchange complete */
#define FTP_FILEOK	250
#define FTP_PATHCREATED	257
#define FTP_GIVEPWORD	331
#define FTP_RESTOK	350
#define FTP_RNFROK	350
#define FTP_CLOSING	421
#define FTP_BADSENDCONN	425
#define FTP_BADSENDNET	426
#define FTP_FILEBUSY	450
#define FTP_LOCALERR	451
#define FTP_NOSPACE	452
#define FTP_BADCMD	500
#define FTP_BADARG	501
#define FTP_NOTIMPL	502
#define FTP_BADSEQ	503
#define FTP_BADPARAM	504
#define FTP_PROT_REFUSED 521	/* RFC 4217: data connection refused at this PROT */
#define FTP_BADPROTO	522	/* RFC 2428: network protocol not supported */
#define FTP_DATA_TLS	522	/* RFC 4217: data connection TLS failed */
#define FTP_NOLOGIN	530
#define FTP_CMDPROT_DENIED 533	/* RFC 2228 */
#define FTP_POLICY	534	/* RFC 2228: denied for policy reasons */
#define FTP_PROT_UNSUPP	536	/* RFC 2228: PROT level not supported */
#define FTP_NOPERM	550
#define FTP_EXCEEDED	552
#define FTP_BADNAME	553
#define FTP_BADREST	554

#endif
