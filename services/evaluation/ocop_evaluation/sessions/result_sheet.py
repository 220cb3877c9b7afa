"""The printable result sheet of a session (biên bản kết quả): products, totals and stars."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from jinja2 import Environment, select_autoescape

OUTCOME_VI = {
    "recognised": "Công nhận",
    "not_recognised": "Không công nhận",
    "proposed_to_central": "Đề xuất trung ương đánh giá 5 sao",
    "needs_discussion": "Cần thảo luận, chấm lại",
}
LEVEL_VI = {"provincial": "cấp tỉnh", "central": "cấp trung ương"}

TEMPLATE = """<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>Kết quả đánh giá, phân hạng sản phẩm OCOP — {{ name }}</title>
<style>
  @page { size: A4 landscape; margin: 15mm; }
  body { font-family: "Times New Roman", serif; font-size: 13pt; color: #000; }
  h1 { font-size: 15pt; text-align: center; text-transform: uppercase; margin: 0 0 4mm; }
  .meta { text-align: center; margin-bottom: 6mm; }
  table { width: 100%; border-collapse: collapse; }
  th, td { border: 1px solid #000; padding: 2mm 3mm; vertical-align: top; }
  th { background: #eee; }
  td.num { text-align: right; white-space: nowrap; }
  .stars { white-space: nowrap; }
  .sign { margin-top: 12mm; display: flex; justify-content: space-around; text-align: center; }
  @media print { .noprint { display: none; } }
</style>
</head>
<body>
<h1>Kết quả đánh giá, phân hạng sản phẩm OCOP {{ level_vi }}</h1>
<div class="meta">
  {{ name }}{% if province_code %} — tỉnh/thành phố mã {{ province_code }}{% endif %}<br>
  Bộ tiêu chí: {{ criteria_set }} · Trạng thái phiên: {{ status }} · Lập ngày {{ printed_on }}
</div>
<table>
  <thead>
    <tr><th>STT</th><th>Sản phẩm</th><th>Chủ thể</th><th>Nhóm</th><th>Số phiếu</th>
        <th>Điểm trung bình</th><th>Hạng sao</th><th>Kết luận</th></tr>
  </thead>
  <tbody>
  {% for row in rows %}
    <tr>
      <td class="num">{{ loop.index }}</td>
      <td>{{ row.product_name }}</td>
      <td>{{ row.producer_name }}</td>
      <td>{{ row.group }}</td>
      <td class="num">{{ row.sheets }}</td>
      <td class="num">{{ row.total if row.total is not none else "—" }}</td>
      <td class="stars">{% if row.stars %}{{ "★" * row.stars }} ({{ row.stars }} sao)
        {%- else %}—{% endif %}</td>
      <td>{{ row.outcome }}</td>
    </tr>
  {% else %}
    <tr><td colspan="8">Phiên chưa có hồ sơ nào.</td></tr>
  {% endfor %}
  </tbody>
</table>
<p>Thành viên hội đồng: {{ members | join("; ") }}.</p>
<div class="sign">
  <div><strong>Thư ký hội đồng</strong><br><br><br>{{ secretary or "" }}</div>
  <div><strong>Chủ tịch hội đồng</strong><br><br><br>{{ chair or "" }}</div>
</div>
</body>
</html>
"""

_env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
_template = _env.from_string(TEMPLATE)


@dataclass(frozen=True)
class ResultRow:
    product_name: str
    producer_name: str
    group: str
    sheets: int
    total: str | None
    stars: int | None
    outcome: str


def render_result_sheet(
    *,
    name: str,
    level: str,
    province_code: str | None,
    criteria_set: str,
    status: str,
    rows: list[ResultRow],
    members: list[str],
    chair: str | None,
    secretary: str | None,
    printed_on: date,
) -> str:
    """The sheet as a self-contained HTML page, laid out for printing on A4."""
    return _template.render(
        name=name,
        level_vi=LEVEL_VI.get(level, level),
        province_code=province_code,
        criteria_set=criteria_set,
        status=status,
        rows=rows,
        members=members,
        chair=chair,
        secretary=secretary,
        printed_on=printed_on.strftime("%d/%m/%Y"),
    )
