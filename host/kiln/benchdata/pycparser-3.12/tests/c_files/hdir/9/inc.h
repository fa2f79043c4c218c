extern int ie;
