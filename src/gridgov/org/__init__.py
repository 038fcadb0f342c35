"""Organisation: the administrative tree (县→乡镇/街道→村/社区→网格→微网格), units and people."""
