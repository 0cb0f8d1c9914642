# /etc/profile.d/govnet-timeout.sh: idle shells on town-a end after 10 minutes (govnet; templates/frr/SOURCES.md,
# shells): the console and SSH alike. GB/T 22239-2019 8.1.4.1.
TMOUT=600
readonly TMOUT
export TMOUT
