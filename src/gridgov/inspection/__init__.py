"""The inspections and duty-rosters module (两类场所排查整改, seed 004 桥墩; 卡口值守, seed 000 金东):
inspection plans and checklists over the core's places, graded findings as cases, coverage; posts, shifts and
rosters solved with CP-SAT, on-duty lookup."""
