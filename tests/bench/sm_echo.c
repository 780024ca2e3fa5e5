/* sm_echo.c - placeholder */
int
main(void)
{
	return 0;
}
