// SKELETON: the admin CLI is written by the accounts work.
return 0;
