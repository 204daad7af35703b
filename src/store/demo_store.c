/*
 * demo_store.c: the SQL of the demo dataset generator (see
 * demo_store.h).
 *
 * Rows written one at a time use the constant statements of demo_sql[].
 * The four large tables are written several rows per INSERT, which
 * halves SQLite's work per row: each has two constant statements in
 * bulk_sql[], one for a single row and one for a full batch of
 * bs_rows rows, the same head and $1, $2 ... numbered row after row.
 * Rows wait in a buffer (struct rows, with a copy of their texts) until
 * a batch is full, and go out one statement per batch; what is left when
 * the caller flushes or commits goes out row by row. Only these two
 * shapes are ever prepared, and check_bulk_sql() checks their
 * placeholders when a store opens.
 *
 * Lines and payments need the id of their invoice, which RETURNING
 * gives when the invoice is written: until then they wait, in the order
 * given, in ds_lines_wait and ds_payments_wait, column 0 holding their
 * invoice's row in the invoice buffer instead of its id. Rows of a table
 * are always inserted in the order they were given, so they get the ids
 * single-row inserts would give them.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/mem.h"
#include "store/demo_store.h"

/* Rows written one at a time. */

enum demo_sql {
	Q_COUNT_EXISTING,
	Q_TARIFF_ADD,
	Q_TARIFF_ALL,
	Q_NEWS_ADD,
	Q_CUSTOMER_ADD,
	Q_CONTRACT_ADD,
	Q_METER_ADD,
	Q_MANDATE_ADD,
	Q_ACCOUNT_ADD,
	Q_ACCOUNT_CONTRACT_ADD,
	Q_LEGACY_ADD,
	Q__MAX
};

static const char *const demo_sql[Q__MAX] = {
	[Q_COUNT_EXISTING] =
	    "SELECT (SELECT count(*) FROM customers)"
	    " + (SELECT count(*) FROM contracts)"
	    " + (SELECT count(*) FROM tariffs)"
	    " + (SELECT count(*) FROM news)"
	    " + (SELECT count(*) FROM web_accounts)",
	[Q_TARIFF_ADD] =
	    "INSERT INTO tariffs (heading, code, label, unit, unit_price_c100,"
	    " vat_rate_bp, valid_from, valid_to, src_system)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'demo')",
	[Q_TARIFF_ALL] =
	    "SELECT heading, code, label, unit, unit_price_c100, vat_rate_bp,"
	    " valid_from, valid_to FROM tariffs ORDER BY code, valid_from",
	[Q_NEWS_ADD] =
	    "INSERT INTO news (slug, title, summary, body_md, published_at,"
	    " kind, event_start, event_end, place)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
	[Q_CUSTOMER_ADD] =
	    "INSERT INTO customers (title, last_name, first_name, email, phone,"
	    " address_line1, postcode, commune, src_system, src_batch,"
	    " src_file, src_line, ref)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
	    " RETURNING id",
	[Q_CONTRACT_ADD] =
	    "INSERT INTO contracts (number, old_number, origin, customer_id,"
	    " service_address, service_postcode, service_commune, start_date,"
	    " end_date, can_create_account, direct_debit, paperless,"
	    " src_system, src_batch, src_file, src_line)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,"
	    " $14, $15, $16) RETURNING id",
	[Q_METER_ADD] =
	    "INSERT INTO meters (serial, contract_id, remote_read,"
	    " installed_on, src_system, src_batch, src_file, src_line)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
	[Q_MANDATE_ADD] =
	    "INSERT INTO sepa_mandates (contract_id, rum, holder, iban_enc,"
	    " iban_last4, bic, signed_on, status, src_system)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8)",
	[Q_ACCOUNT_ADD] =
	    "INSERT INTO web_accounts (email, email_norm, last_name,"
	    " first_name, password_hash, status, created_at, activated_at)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
	[Q_ACCOUNT_CONTRACT_ADD] =
	    "INSERT INTO account_contracts (account_id, contract_id, added_at)"
	    " VALUES ($1, $2, $3)",
	[Q_LEGACY_ADD] =
	    "INSERT INTO legacy_credentials (old_customer_id, contract_id,"
	    " hash, migrated_at, src_system, src_batch, src_file, src_line)"
	    " VALUES ($1, $2, $3, $4, 'customer_space_2023', '2024-01-02',"
	    " 'comptes_web_2023.csv', $5)",
};

/*
 * Rows written in batches. A batch statement is its table's head, the
 * VALUES rows of a batch and the tail; the placeholders of row r (from
 * 0) are r * cols + 1 ... r * cols + cols, in column order. The texts
 * are written out in full, so that what runs is what is read here: a
 * change of columns or of batch size means rewriting them, and
 * check_bulk_sql() refuses to open a store whose texts do not follow.
 */

enum bulk { B_INVOICES, B_LINES, B_PAYMENTS, B_READINGS, B__MAX };

#define INVOICES_COLS	21
#define INVOICES_ROWS	16
#define INVOICES_HEAD \
	"INSERT INTO invoices (number, contract_id, contract_number," \
	" archived, period_start, period_end, old_index_litres," \
	" new_index_litres, old_read_on, new_read_on, old_read_kind," \
	" new_read_kind, volume_litres, amount_excl_tax_cents, vat_cents," \
	" total_cents, issued_on, due_on, status, src_system, src_batch)" \
	" VALUES "
#define INVOICES_TAIL	" RETURNING id, number"

#define LINES_COLS	13
#define LINES_ROWS	64
#define LINES_HEAD \
	"INSERT INTO invoice_lines (invoice_id, position, heading," \
	" tariff_code, label, period_start, period_end, quantity," \
	" quantity_unit, unit_price_c100, amount_excl_tax_cents, vat_rate_bp," \
	" vat_cents) VALUES "

#define PAYMENTS_COLS	7
#define PAYMENTS_ROWS	16
#define PAYMENTS_HEAD \
	"INSERT INTO payments (invoice_id, amount_cents, method, provider," \
	" provider_ref, status, created_at) VALUES "

#define READINGS_COLS	4
#define READINGS_ROWS	64
#define READINGS_HEAD \
	"INSERT INTO meter_readings (meter_id, read_on, index_litres, source)" \
	" VALUES "

static const char sql_invoices_one[] = INVOICES_HEAD
	"($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,"
	" $16, $17, $18, $19, $20, $21)"
	INVOICES_TAIL;
static const char sql_invoices_batch[] = INVOICES_HEAD
	"($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,"
	" $16, $17, $18, $19, $20, $21),"
	" ($22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34,"
	" $35, $36, $37, $38, $39, $40, $41, $42),"
	" ($43, $44, $45, $46, $47, $48, $49, $50, $51, $52, $53, $54, $55,"
	" $56, $57, $58, $59, $60, $61, $62, $63),"
	" ($64, $65, $66, $67, $68, $69, $70, $71, $72, $73, $74, $75, $76,"
	" $77, $78, $79, $80, $81, $82, $83, $84),"
	" ($85, $86, $87, $88, $89, $90, $91, $92, $93, $94, $95, $96, $97,"
	" $98, $99, $100, $101, $102, $103, $104, $105),"
	" ($106, $107, $108, $109, $110, $111, $112, $113, $114, $115, $116,"
	" $117, $118, $119, $120, $121, $122, $123, $124, $125, $126),"
	" ($127, $128, $129, $130, $131, $132, $133, $134, $135, $136, $137,"
	" $138, $139, $140, $141, $142, $143, $144, $145, $146, $147),"
	" ($148, $149, $150, $151, $152, $153, $154, $155, $156, $157, $158,"
	" $159, $160, $161, $162, $163, $164, $165, $166, $167, $168),"
	" ($169, $170, $171, $172, $173, $174, $175, $176, $177, $178, $179,"
	" $180, $181, $182, $183, $184, $185, $186, $187, $188, $189),"
	" ($190, $191, $192, $193, $194, $195, $196, $197, $198, $199, $200,"
	" $201, $202, $203, $204, $205, $206, $207, $208, $209, $210),"
	" ($211, $212, $213, $214, $215, $216, $217, $218, $219, $220, $221,"
	" $222, $223, $224, $225, $226, $227, $228, $229, $230, $231),"
	" ($232, $233, $234, $235, $236, $237, $238, $239, $240, $241, $242,"
	" $243, $244, $245, $246, $247, $248, $249, $250, $251, $252),"
	" ($253, $254, $255, $256, $257, $258, $259, $260, $261, $262, $263,"
	" $264, $265, $266, $267, $268, $269, $270, $271, $272, $273),"
	" ($274, $275, $276, $277, $278, $279, $280, $281, $282, $283, $284,"
	" $285, $286, $287, $288, $289, $290, $291, $292, $293, $294),"
	" ($295, $296, $297, $298, $299, $300, $301, $302, $303, $304, $305,"
	" $306, $307, $308, $309, $310, $311, $312, $313, $314, $315),"
	" ($316, $317, $318, $319, $320, $321, $322, $323, $324, $325, $326,"
	" $327, $328, $329, $330, $331, $332, $333, $334, $335, $336)"
	INVOICES_TAIL;

static const char sql_lines_one[] = LINES_HEAD
	"($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";
static const char sql_lines_batch[] = LINES_HEAD
	"($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13),"
	" ($14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26),"
	" ($27, $28, $29, $30, $31, $32, $33, $34, $35, $36, $37, $38, $39),"
	" ($40, $41, $42, $43, $44, $45, $46, $47, $48, $49, $50, $51, $52),"
	" ($53, $54, $55, $56, $57, $58, $59, $60, $61, $62, $63, $64, $65),"
	" ($66, $67, $68, $69, $70, $71, $72, $73, $74, $75, $76, $77, $78),"
	" ($79, $80, $81, $82, $83, $84, $85, $86, $87, $88, $89, $90, $91),"
	" ($92, $93, $94, $95, $96, $97, $98, $99, $100, $101, $102, $103,"
	" $104),"
	" ($105, $106, $107, $108, $109, $110, $111, $112, $113, $114, $115,"
	" $116, $117),"
	" ($118, $119, $120, $121, $122, $123, $124, $125, $126, $127, $128,"
	" $129, $130),"
	" ($131, $132, $133, $134, $135, $136, $137, $138, $139, $140, $141,"
	" $142, $143),"
	" ($144, $145, $146, $147, $148, $149, $150, $151, $152, $153, $154,"
	" $155, $156),"
	" ($157, $158, $159, $160, $161, $162, $163, $164, $165, $166, $167,"
	" $168, $169),"
	" ($170, $171, $172, $173, $174, $175, $176, $177, $178, $179, $180,"
	" $181, $182),"
	" ($183, $184, $185, $186, $187, $188, $189, $190, $191, $192, $193,"
	" $194, $195),"
	" ($196, $197, $198, $199, $200, $201, $202, $203, $204, $205, $206,"
	" $207, $208),"
	" ($209, $210, $211, $212, $213, $214, $215, $216, $217, $218, $219,"
	" $220, $221),"
	" ($222, $223, $224, $225, $226, $227, $228, $229, $230, $231, $232,"
	" $233, $234),"
	" ($235, $236, $237, $238, $239, $240, $241, $242, $243, $244, $245,"
	" $246, $247),"
	" ($248, $249, $250, $251, $252, $253, $254, $255, $256, $257, $258,"
	" $259, $260),"
	" ($261, $262, $263, $264, $265, $266, $267, $268, $269, $270, $271,"
	" $272, $273),"
	" ($274, $275, $276, $277, $278, $279, $280, $281, $282, $283, $284,"
	" $285, $286),"
	" ($287, $288, $289, $290, $291, $292, $293, $294, $295, $296, $297,"
	" $298, $299),"
	" ($300, $301, $302, $303, $304, $305, $306, $307, $308, $309, $310,"
	" $311, $312),"
	" ($313, $314, $315, $316, $317, $318, $319, $320, $321, $322, $323,"
	" $324, $325),"
	" ($326, $327, $328, $329, $330, $331, $332, $333, $334, $335, $336,"
	" $337, $338),"
	" ($339, $340, $341, $342, $343, $344, $345, $346, $347, $348, $349,"
	" $350, $351),"
	" ($352, $353, $354, $355, $356, $357, $358, $359, $360, $361, $362,"
	" $363, $364),"
	" ($365, $366, $367, $368, $369, $370, $371, $372, $373, $374, $375,"
	" $376, $377),"
	" ($378, $379, $380, $381, $382, $383, $384, $385, $386, $387, $388,"
	" $389, $390),"
	" ($391, $392, $393, $394, $395, $396, $397, $398, $399, $400, $401,"
	" $402, $403),"
	" ($404, $405, $406, $407, $408, $409, $410, $411, $412, $413, $414,"
	" $415, $416),"
	" ($417, $418, $419, $420, $421, $422, $423, $424, $425, $426, $427,"
	" $428, $429),"
	" ($430, $431, $432, $433, $434, $435, $436, $437, $438, $439, $440,"
	" $441, $442),"
	" ($443, $444, $445, $446, $447, $448, $449, $450, $451, $452, $453,"
	" $454, $455),"
	" ($456, $457, $458, $459, $460, $461, $462, $463, $464, $465, $466,"
	" $467, $468),"
	" ($469, $470, $471, $472, $473, $474, $475, $476, $477, $478, $479,"
	" $480, $481),"
	" ($482, $483, $484, $485, $486, $487, $488, $489, $490, $491, $492,"
	" $493, $494),"
	" ($495, $496, $497, $498, $499, $500, $501, $502, $503, $504, $505,"
	" $506, $507),"
	" ($508, $509, $510, $511, $512, $513, $514, $515, $516, $517, $518,"
	" $519, $520),"
	" ($521, $522, $523, $524, $525, $526, $527, $528, $529, $530, $531,"
	" $532, $533),"
	" ($534, $535, $536, $537, $538, $539, $540, $541, $542, $543, $544,"
	" $545, $546),"
	" ($547, $548, $549, $550, $551, $552, $553, $554, $555, $556, $557,"
	" $558, $559),"
	" ($560, $561, $562, $563, $564, $565, $566, $567, $568, $569, $570,"
	" $571, $572),"
	" ($573, $574, $575, $576, $577, $578, $579, $580, $581, $582, $583,"
	" $584, $585),"
	" ($586, $587, $588, $589, $590, $591, $592, $593, $594, $595, $596,"
	" $597, $598),"
	" ($599, $600, $601, $602, $603, $604, $605, $606, $607, $608, $609,"
	" $610, $611),"
	" ($612, $613, $614, $615, $616, $617, $618, $619, $620, $621, $622,"
	" $623, $624),"
	" ($625, $626, $627, $628, $629, $630, $631, $632, $633, $634, $635,"
	" $636, $637),"
	" ($638, $639, $640, $641, $642, $643, $644, $645, $646, $647, $648,"
	" $649, $650),"
	" ($651, $652, $653, $654, $655, $656, $657, $658, $659, $660, $661,"
	" $662, $663),"
	" ($664, $665, $666, $667, $668, $669, $670, $671, $672, $673, $674,"
	" $675, $676),"
	" ($677, $678, $679, $680, $681, $682, $683, $684, $685, $686, $687,"
	" $688, $689),"
	" ($690, $691, $692, $693, $694, $695, $696, $697, $698, $699, $700,"
	" $701, $702),"
	" ($703, $704, $705, $706, $707, $708, $709, $710, $711, $712, $713,"
	" $714, $715),"
	" ($716, $717, $718, $719, $720, $721, $722, $723, $724, $725, $726,"
	" $727, $728),"
	" ($729, $730, $731, $732, $733, $734, $735, $736, $737, $738, $739,"
	" $740, $741),"
	" ($742, $743, $744, $745, $746, $747, $748, $749, $750, $751, $752,"
	" $753, $754),"
	" ($755, $756, $757, $758, $759, $760, $761, $762, $763, $764, $765,"
	" $766, $767),"
	" ($768, $769, $770, $771, $772, $773, $774, $775, $776, $777, $778,"
	" $779, $780),"
	" ($781, $782, $783, $784, $785, $786, $787, $788, $789, $790, $791,"
	" $792, $793),"
	" ($794, $795, $796, $797, $798, $799, $800, $801, $802, $803, $804,"
	" $805, $806),"
	" ($807, $808, $809, $810, $811, $812, $813, $814, $815, $816, $817,"
	" $818, $819),"
	" ($820, $821, $822, $823, $824, $825, $826, $827, $828, $829, $830,"
	" $831, $832)";

static const char sql_payments_one[] = PAYMENTS_HEAD
	"($1, $2, $3, $4, $5, $6, $7)";
static const char sql_payments_batch[] = PAYMENTS_HEAD
	"($1, $2, $3, $4, $5, $6, $7), ($8, $9, $10, $11, $12, $13, $14),"
	" ($15, $16, $17, $18, $19, $20, $21),"
	" ($22, $23, $24, $25, $26, $27, $28),"
	" ($29, $30, $31, $32, $33, $34, $35),"
	" ($36, $37, $38, $39, $40, $41, $42),"
	" ($43, $44, $45, $46, $47, $48, $49),"
	" ($50, $51, $52, $53, $54, $55, $56),"
	" ($57, $58, $59, $60, $61, $62, $63),"
	" ($64, $65, $66, $67, $68, $69, $70),"
	" ($71, $72, $73, $74, $75, $76, $77),"
	" ($78, $79, $80, $81, $82, $83, $84),"
	" ($85, $86, $87, $88, $89, $90, $91),"
	" ($92, $93, $94, $95, $96, $97, $98),"
	" ($99, $100, $101, $102, $103, $104, $105),"
	" ($106, $107, $108, $109, $110, $111, $112)";

static const char sql_readings_one[] = READINGS_HEAD
	"($1, $2, $3, $4)";
static const char sql_readings_batch[] = READINGS_HEAD
	"($1, $2, $3, $4), ($5, $6, $7, $8), ($9, $10, $11, $12),"
	" ($13, $14, $15, $16), ($17, $18, $19, $20), ($21, $22, $23, $24),"
	" ($25, $26, $27, $28), ($29, $30, $31, $32), ($33, $34, $35, $36),"
	" ($37, $38, $39, $40), ($41, $42, $43, $44), ($45, $46, $47, $48),"
	" ($49, $50, $51, $52), ($53, $54, $55, $56), ($57, $58, $59, $60),"
	" ($61, $62, $63, $64), ($65, $66, $67, $68), ($69, $70, $71, $72),"
	" ($73, $74, $75, $76), ($77, $78, $79, $80), ($81, $82, $83, $84),"
	" ($85, $86, $87, $88), ($89, $90, $91, $92), ($93, $94, $95, $96),"
	" ($97, $98, $99, $100), ($101, $102, $103, $104),"
	" ($105, $106, $107, $108), ($109, $110, $111, $112),"
	" ($113, $114, $115, $116), ($117, $118, $119, $120),"
	" ($121, $122, $123, $124), ($125, $126, $127, $128),"
	" ($129, $130, $131, $132), ($133, $134, $135, $136),"
	" ($137, $138, $139, $140), ($141, $142, $143, $144),"
	" ($145, $146, $147, $148), ($149, $150, $151, $152),"
	" ($153, $154, $155, $156), ($157, $158, $159, $160),"
	" ($161, $162, $163, $164), ($165, $166, $167, $168),"
	" ($169, $170, $171, $172), ($173, $174, $175, $176),"
	" ($177, $178, $179, $180), ($181, $182, $183, $184),"
	" ($185, $186, $187, $188), ($189, $190, $191, $192),"
	" ($193, $194, $195, $196), ($197, $198, $199, $200),"
	" ($201, $202, $203, $204), ($205, $206, $207, $208),"
	" ($209, $210, $211, $212), ($213, $214, $215, $216),"
	" ($217, $218, $219, $220), ($221, $222, $223, $224),"
	" ($225, $226, $227, $228), ($229, $230, $231, $232),"
	" ($233, $234, $235, $236), ($237, $238, $239, $240),"
	" ($241, $242, $243, $244), ($245, $246, $247, $248),"
	" ($249, $250, $251, $252), ($253, $254, $255, $256)";

static const struct bulk_sql {
	const char	*bs_one;	/* one row */
	const char	*bs_batch;	/* bs_rows rows */
	int		 bs_cols;
	int		 bs_rows;
} bulk_sql[B__MAX] = {
	[B_INVOICES] = { sql_invoices_one, sql_invoices_batch,
	    INVOICES_COLS, INVOICES_ROWS },
	[B_LINES] = { sql_lines_one, sql_lines_batch, LINES_COLS, LINES_ROWS },
	[B_PAYMENTS] = { sql_payments_one, sql_payments_batch, PAYMENTS_COLS,
	    PAYMENTS_ROWS },
	[B_READINGS] = { sql_readings_one, sql_readings_batch, READINGS_COLS,
	    READINGS_ROWS },
};

/* Buffered rows: values bound later, texts copied. */

enum cell_type { CELL_NULL, CELL_INT, CELL_TEXT };

struct cell {
	int64_t		 ce_value;	/* CELL_INT: the value; CELL_TEXT: its
					   offset in the rows' rw_text */
	size_t		 ce_len;	/* CELL_TEXT: its length */
	enum cell_type	 ce_type;
};

struct rows {
	struct cell	*rw_cells;	/* rw_cap rows of rw_cols cells */
	int		 rw_cols;
	int		 rw_n;		/* rows held */
	int		 rw_cap;
	rb_buf		 rw_text;	/* the texts of the rows held */
};

struct rb_demo_store {
	rb_db		*ds_db;
	struct rows	 ds_bulk[B__MAX];	/* rows of each table */
	struct rows	 ds_lines_wait;		/* for their invoice's id */
	struct rows	 ds_payments_wait;
	int64_t		 ds_invoice_ids[INVOICES_ROWS];
};

static void
rows_init(struct rows *rw, int cols, int cap)
{
	rw->rw_cells = rb_xcalloc((size_t)cap * (size_t)cols,
	    sizeof(*rw->rw_cells));
	rw->rw_cols = cols;
	rw->rw_n = 0;
	rw->rw_cap = cap;
	rb_buf_init(&rw->rw_text);
}

static void
rows_free(struct rows *rw)
{
	free(rw->rw_cells);
	rb_buf_free(&rw->rw_text);
}

static void
rows_clear(struct rows *rw)
{
	rw->rw_n = 0;
	rb_buf_reset(&rw->rw_text);
}

/* Appends a row of NULL cells to rw; returns its cells. */
static struct cell *
rows_add(struct rows *rw)
{
	struct cell *c;

	if (rw->rw_n == rw->rw_cap) {
		rw->rw_cap *= 2;
		rw->rw_cells = rb_xrealloc(rw->rw_cells, (size_t)rw->rw_cap *
		    (size_t)rw->rw_cols * sizeof(*rw->rw_cells));
	}
	c = &rw->rw_cells[(size_t)rw->rw_n++ * (size_t)rw->rw_cols];
	memset(c, 0, (size_t)rw->rw_cols * sizeof(*c));
	return c;
}

static void
put_int(struct cell *c, int64_t v)
{
	c->ce_type = CELL_INT;
	c->ce_value = v;
}

/* Copies s[0..len) into rw's texts as cell c; a NULL s is SQL NULL. */
static void
put_textn(struct rows *rw, struct cell *c, const char *s, size_t len)
{
	if (s == NULL) {
		c->ce_type = CELL_NULL;
		return;
	}
	c->ce_type = CELL_TEXT;
	c->ce_value = (int64_t)rw->rw_text.buf_len;
	c->ce_len = len;
	rb_buf_append(&rw->rw_text, s, len);
}

static void
put_text(struct rows *rw, struct cell *c, const char *s)
{
	put_textn(rw, c, s, s != NULL ? strlen(s) : 0);
}

/* Returns the text of cell c of rw (not NUL-terminated: see ce_len). */
static const char *
cell_text(const struct rows *rw, const struct cell *c)
{
	return rw->rw_text.buf_data + c->ce_value;
}

/* Binds the cells of row r of rw to $(base + 1) ... of st. */
static void
bind_row(rb_stmt *st, int base, const struct rows *rw, int r)
{
	const struct cell *c = &rw->rw_cells[(size_t)r * (size_t)rw->rw_cols];
	int i;

	for (i = 0; i < rw->rw_cols; i++, c++)
		switch (c->ce_type) {
		case CELL_INT:
			rb_stmt_bind_int(st, base + i + 1, c->ce_value);
			break;
		case CELL_TEXT:
			rb_stmt_bind_text(st, base + i + 1, cell_text(rw, c),
			    (ssize_t)c->ce_len);
			break;
		default:
			rb_stmt_bind_null(st, base + i + 1);
			break;
		}
}

/* Returns 1 if the placeholders of sql are $1 ... $n in this order. */
static int
placeholders_are(const char *sql, int n)
{
	const char *p = sql;
	char *end;
	long want = 1;

	while ((p = strchr(p, '$')) != NULL) {
		if (strtol(p + 1, &end, 10) != want || end == p + 1)
			return 0;
		want++;
		p = end;
	}
	return want == n + 1;
}

/* Checks the constant texts of bulk_sql[]: 0, or -1 (logged). */
static int
check_bulk_sql(void)
{
	const struct bulk_sql *bs;
	size_t i;

	for (i = 0; i < B__MAX; i++) {
		bs = &bulk_sql[i];
		if (!placeholders_are(bs->bs_one, bs->bs_cols) ||
		    !placeholders_are(bs->bs_batch,
		    bs->bs_cols * bs->bs_rows)) {
			log_errx("bulk statement %zu: placeholders do not "
			    "match %d columns", i, bs->bs_cols);
			return -1;
		}
	}
	return 0;
}

/*
 * Runs an INSERT of st to completion and resets st. With id not NULL the
 * statement has RETURNING id, stored there. Returns 0 or -1 (logged).
 */
static int
finish(rb_stmt *st, int64_t *id)
{
	int rc = -1;

	if (id != NULL) {
		if (rb_stmt_step(st) != RB_ROW)
			goto out;
		*id = rb_stmt_int(st, 0);
	}
	if (rb_stmt_step(st) != RB_DONE)
		goto out;
	rc = 0;
out:
	rb_stmt_reset(st);
	return rc;
}

/*
 * Sets the id of the invoice numbered number among rows [first, first +
 * n) of the invoice buffer: RETURNING gives no row order.
 */
static void
invoice_returned(struct rb_demo_store *ds, int first, int n, int64_t id,
    const char *number)
{
	const struct rows *rw = &ds->ds_bulk[B_INVOICES];
	const struct cell *c;
	size_t len = number != NULL ? strlen(number) : 0;
	int r;

	for (r = first; r < first + n; r++) {
		c = &rw->rw_cells[(size_t)r * (size_t)rw->rw_cols];	/* $1 */
		if (c->ce_type == CELL_TEXT && c->ce_len == len &&
		    memcmp(cell_text(rw, c), number, len) == 0) {
			ds->ds_invoice_ids[r] = id;
			return;
		}
	}
}

/*
 * Inserts rows [first, first + n) of table b's buffer with one statement;
 * n is 1 or the table's batch size. Returns 0, or -1 (logged).
 */
static int
bulk_insert(struct rb_demo_store *ds, enum bulk b, int first, int n)
{
	const struct bulk_sql *bs = &bulk_sql[b];
	const struct rows *rw = &ds->ds_bulk[b];
	rb_stmt *st;
	int r, rc;

	assert(n == 1 || n == bs->bs_rows);
	st = rb_db_prepare(ds->ds_db, n == 1 ? bs->bs_one : bs->bs_batch);
	if (st == NULL)
		return -1;
	for (r = 0; r < n; r++)
		bind_row(st, r * bs->bs_cols, rw, first + r);
	while ((rc = rb_stmt_step(st)) == RB_ROW)
		if (b == B_INVOICES)
			invoice_returned(ds, first, n, rb_stmt_int(st, 0),
			    rb_stmt_text(st, 1));
	rb_stmt_reset(st);
	if (rc != RB_DONE)
		return -1;
	if (b == B_INVOICES)
		for (r = first; r < first + n; r++)
			if (ds->ds_invoice_ids[r] == 0) {
				const struct cell *c = &rw->rw_cells[(size_t)r *
				    (size_t)rw->rw_cols];

				log_errx("no id returned for invoice %.*s",
				    (int)c->ce_len, cell_text(rw, c));
				return -1;
			}
	return 0;
}

/* Inserts and drops every row of table b's buffer. 0, or -1 (logged). */
static int
bulk_write(struct rb_demo_store *ds, enum bulk b)
{
	struct rows *rw = &ds->ds_bulk[b];
	int per = bulk_sql[b].bs_rows, done = 0;

	if (b == B_INVOICES)
		memset(ds->ds_invoice_ids, 0, sizeof(ds->ds_invoice_ids));
	for (; rw->rw_n - done >= per; done += per)
		if (bulk_insert(ds, b, done, per) != 0)
			return -1;
	for (; done < rw->rw_n; done++)
		if (bulk_insert(ds, b, done, 1) != 0)
			return -1;
	rows_clear(rw);
	return 0;
}

/* Writes table b's buffer if it holds a full batch. 0, or -1. */
static int
bulk_full(struct rb_demo_store *ds, enum bulk b)
{
	return ds->ds_bulk[b].rw_n < bulk_sql[b].bs_rows ? 0 :
	    bulk_write(ds, b);
}

/*
 * Moves the rows of wait, whose column 0 is a row of the invoice buffer
 * just written, to table b's buffer with that invoice's id instead.
 */
static int
unwait(struct rb_demo_store *ds, struct rows *wait, enum bulk b)
{
	struct rows *rw = &ds->ds_bulk[b];
	const struct cell *from;
	struct cell *to;
	int r, i;

	for (r = 0; r < wait->rw_n; r++) {
		from = &wait->rw_cells[(size_t)r * (size_t)wait->rw_cols];
		to = rows_add(rw);
		put_int(&to[0], ds->ds_invoice_ids[from[0].ce_value]);
		for (i = 1; i < rw->rw_cols; i++)
			if (from[i].ce_type == CELL_TEXT)
				put_textn(rw, &to[i], cell_text(wait, &from[i]),
				    from[i].ce_len);
			else
				to[i] = from[i];
		if (bulk_full(ds, b) != 0)
			return -1;
	}
	rows_clear(wait);
	return 0;
}

/* Writes the buffered invoices, then queues their lines and payments. */
static int
invoices_write(struct rb_demo_store *ds)
{
	if (bulk_write(ds, B_INVOICES) != 0 ||
	    unwait(ds, &ds->ds_lines_wait, B_LINES) != 0 ||
	    unwait(ds, &ds->ds_payments_wait, B_PAYMENTS) != 0)
		return -1;
	return 0;
}

/* Opening, closing, transactions. */

int
rb_demo_store_open(rb_db *db, rb_demo_store **out)
{
	struct rb_demo_store *ds;
	size_t i;

	*out = NULL;
	if (check_bulk_sql() != 0)
		return -1;
	ds = rb_xcalloc(1, sizeof(*ds));
	ds->ds_db = db;
	for (i = 0; i < B__MAX; i++)
		rows_init(&ds->ds_bulk[i], bulk_sql[i].bs_cols,
		    bulk_sql[i].bs_rows);
	rows_init(&ds->ds_lines_wait, LINES_COLS, LINES_ROWS);
	rows_init(&ds->ds_payments_wait, PAYMENTS_COLS, INVOICES_ROWS);
	*out = ds;
	return 0;
}

void
rb_demo_store_close(rb_demo_store *ds)
{
	size_t i;

	if (ds == NULL)
		return;
	for (i = 0; i < B__MAX; i++)
		rows_free(&ds->ds_bulk[i]);
	rows_free(&ds->ds_lines_wait);
	rows_free(&ds->ds_payments_wait);
	free(ds);
}

int
rb_demo_store_count_existing(rb_demo_store *ds, int64_t *n)
{
	rb_stmt *st;
	int rc = -1;

	if ((st = rb_db_prepare(ds->ds_db, demo_sql[Q_COUNT_EXISTING])) == NULL)
		return -1;
	if (rb_stmt_step(st) == RB_ROW) {
		*n = rb_stmt_int(st, 0);
		rc = 0;
	}
	rb_stmt_reset(st);
	return rc;
}

int
rb_demo_store_begin(rb_demo_store *ds)
{
	return rb_db_begin(ds->ds_db);
}

int
rb_demo_store_commit(rb_demo_store *ds)
{
	if (rb_demo_store_flush(ds) != 0)
		return -1;
	return rb_db_commit(ds->ds_db);
}

void
rb_demo_store_rollback(rb_demo_store *ds)
{
	size_t i;

	for (i = 0; i < B__MAX; i++)
		rows_clear(&ds->ds_bulk[i]);
	rows_clear(&ds->ds_lines_wait);
	rows_clear(&ds->ds_payments_wait);
	if (rb_db_in_transaction(ds->ds_db))
		rb_db_rollback(ds->ds_db);
}

int
rb_demo_store_flush(rb_demo_store *ds)
{
	if (invoices_write(ds) != 0 || bulk_write(ds, B_LINES) != 0 ||
	    bulk_write(ds, B_PAYMENTS) != 0 || bulk_write(ds, B_READINGS) != 0)
		return -1;
	return 0;
}

/* Rows written one at a time. */

static rb_stmt *
prepare(struct rb_demo_store *ds, enum demo_sql q)
{
	return rb_db_prepare(ds->ds_db, demo_sql[q]);
}

/* Binds so to $first ... $(first + 3). */
static void
bind_source(rb_stmt *st, int first, const struct rb_demo_source *so)
{
	rb_stmt_bind_text(st, first, so->so_system, -1);
	rb_stmt_bind_text(st, first + 1, so->so_batch, -1);
	rb_stmt_bind_text(st, first + 2, so->so_file, -1);
	rb_stmt_bind_int(st, first + 3, so->so_line);
}

/* Binds v to $idx, or NULL when v is 0. */
static void
bind_int_or_null(rb_stmt *st, int idx, int64_t v)
{
	if (v != 0)
		rb_stmt_bind_int(st, idx, v);
	else
		rb_stmt_bind_null(st, idx);
}

int
rb_demo_store_tariff(rb_demo_store *ds, const struct rb_demo_tariff *t)
{
	rb_stmt *st;

	if ((st = prepare(ds, Q_TARIFF_ADD)) == NULL)
		return -1;
	rb_stmt_bind_text(st, 1, t->ta_heading, -1);
	rb_stmt_bind_text(st, 2, t->ta_code, -1);
	rb_stmt_bind_text(st, 3, t->ta_label, -1);
	rb_stmt_bind_text(st, 4, t->ta_unit, -1);
	rb_stmt_bind_int(st, 5, t->ta_price_c100);
	rb_stmt_bind_int(st, 6, t->ta_vat_bp);
	rb_stmt_bind_text(st, 7, t->ta_valid_from, -1);
	rb_stmt_bind_text(st, 8, t->ta_valid_to, -1);
	return finish(st, NULL);
}

int
rb_demo_store_tariffs(rb_demo_store *ds,
    int (*fn)(const struct rb_demo_tariff *t, void *arg), void *arg)
{
	struct rb_demo_tariff t;
	rb_stmt *st;
	int rc;

	if ((st = prepare(ds, Q_TARIFF_ALL)) == NULL)
		return -1;
	while ((rc = rb_stmt_step(st)) == RB_ROW) {
		t.ta_heading = rb_stmt_text(st, 0);
		t.ta_code = rb_stmt_text(st, 1);
		t.ta_label = rb_stmt_text(st, 2);
		t.ta_unit = rb_stmt_text(st, 3);
		t.ta_price_c100 = rb_stmt_int(st, 4);
		t.ta_vat_bp = (int)rb_stmt_int(st, 5);
		t.ta_valid_from = rb_stmt_text(st, 6);
		t.ta_valid_to = rb_stmt_text(st, 7);
		if (fn(&t, arg) != 0)
			break;
	}
	rb_stmt_reset(st);
	return rc == RB_DONE ? 0 : -1;
}

int
rb_demo_store_news(rb_demo_store *ds, const struct rb_demo_news *n)
{
	rb_stmt *st;

	if ((st = prepare(ds, Q_NEWS_ADD)) == NULL)
		return -1;
	rb_stmt_bind_text(st, 1, n->nw_slug, -1);
	rb_stmt_bind_text(st, 2, n->nw_title, -1);
	rb_stmt_bind_text(st, 3, n->nw_summary, -1);
	rb_stmt_bind_text(st, 4, n->nw_body_md, -1);
	rb_stmt_bind_int(st, 5, n->nw_published_at);
	rb_stmt_bind_text(st, 6, n->nw_kind, -1);
	rb_stmt_bind_text(st, 7, n->nw_event_start, -1);
	rb_stmt_bind_text(st, 8, n->nw_event_end, -1);
	rb_stmt_bind_text(st, 9, n->nw_place, -1);
	return finish(st, NULL);
}

int
rb_demo_store_customer(rb_demo_store *ds, const struct rb_demo_customer *cu,
    int64_t *id)
{
	rb_stmt *st;

	if ((st = prepare(ds, Q_CUSTOMER_ADD)) == NULL)
		return -1;
	rb_stmt_bind_text(st, 1, cu->cu_title, -1);
	rb_stmt_bind_text(st, 2, cu->cu_last_name, -1);
	rb_stmt_bind_text(st, 3, cu->cu_first_name, -1);
	rb_stmt_bind_text(st, 4, cu->cu_email, -1);
	rb_stmt_bind_text(st, 5, cu->cu_phone, -1);
	rb_stmt_bind_text(st, 6, cu->cu_address, -1);
	rb_stmt_bind_text(st, 7, cu->cu_postcode, -1);
	rb_stmt_bind_text(st, 8, cu->cu_commune, -1);
	bind_source(st, 9, &cu->cu_source);
	rb_stmt_bind_text(st, 13, cu->cu_ref, -1);
	return finish(st, id);
}

int
rb_demo_store_contract(rb_demo_store *ds, const struct rb_demo_contract *co,
    int64_t *id)
{
	rb_stmt *st;

	if ((st = prepare(ds, Q_CONTRACT_ADD)) == NULL)
		return -1;
	rb_stmt_bind_text(st, 1, co->co_number, -1);
	rb_stmt_bind_text(st, 2, co->co_old_number, -1);
	rb_stmt_bind_text(st, 3, co->co_origin, -1);
	rb_stmt_bind_int(st, 4, co->co_customer_id);
	rb_stmt_bind_text(st, 5, co->co_address, -1);
	rb_stmt_bind_text(st, 6, co->co_postcode, -1);
	rb_stmt_bind_text(st, 7, co->co_commune, -1);
	rb_stmt_bind_text(st, 8, co->co_start_date, -1);
	rb_stmt_bind_text(st, 9, co->co_end_date, -1);
	rb_stmt_bind_int(st, 10, co->co_can_create_account);
	rb_stmt_bind_int(st, 11, co->co_direct_debit);
	rb_stmt_bind_int(st, 12, co->co_paperless);
	bind_source(st, 13, &co->co_source);
	return finish(st, id);
}

int
rb_demo_store_meter(rb_demo_store *ds, const struct rb_demo_meter *me,
    int64_t *id)
{
	rb_stmt *st;

	if ((st = prepare(ds, Q_METER_ADD)) == NULL)
		return -1;
	rb_stmt_bind_text(st, 1, me->me_serial, -1);
	rb_stmt_bind_int(st, 2, me->me_contract_id);
	rb_stmt_bind_int(st, 3, me->me_remote_read);
	rb_stmt_bind_text(st, 4, me->me_installed_on, -1);
	bind_source(st, 5, &me->me_source);
	return finish(st, id);
}

int
rb_demo_store_mandate(rb_demo_store *ds, const struct rb_demo_mandate *ma)
{
	rb_stmt *st;

	if ((st = prepare(ds, Q_MANDATE_ADD)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, ma->ma_contract_id);
	rb_stmt_bind_text(st, 2, ma->ma_rum, -1);
	rb_stmt_bind_text(st, 3, ma->ma_holder, -1);
	rb_stmt_bind_text(st, 4, ma->ma_iban_enc, -1);
	rb_stmt_bind_text(st, 5, ma->ma_iban_last4, -1);
	rb_stmt_bind_text(st, 6, ma->ma_bic, -1);
	rb_stmt_bind_text(st, 7, ma->ma_signed_on, -1);
	rb_stmt_bind_text(st, 8, ma->ma_src_system, -1);
	return finish(st, NULL);
}

int
rb_demo_store_account(rb_demo_store *ds, const struct rb_demo_account *ac,
    int64_t *id)
{
	rb_stmt *st;

	if ((st = prepare(ds, Q_ACCOUNT_ADD)) == NULL)
		return -1;
	rb_stmt_bind_text(st, 1, ac->ac_email, -1);
	rb_stmt_bind_text(st, 2, ac->ac_email_norm, -1);
	rb_stmt_bind_text(st, 3, ac->ac_last_name, -1);
	rb_stmt_bind_text(st, 4, ac->ac_first_name, -1);
	rb_stmt_bind_text(st, 5, ac->ac_password_hash, -1);
	rb_stmt_bind_text(st, 6, ac->ac_status, -1);
	rb_stmt_bind_int(st, 7, ac->ac_created_at);
	bind_int_or_null(st, 8, ac->ac_activated_at);
	return finish(st, id);
}

int
rb_demo_store_account_contract(rb_demo_store *ds, int64_t account_id,
    int64_t contract_id, int64_t added_at)
{
	rb_stmt *st;

	if ((st = prepare(ds, Q_ACCOUNT_CONTRACT_ADD)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, account_id);
	rb_stmt_bind_int(st, 2, contract_id);
	rb_stmt_bind_int(st, 3, added_at);
	return finish(st, NULL);
}

int
rb_demo_store_legacy(rb_demo_store *ds, const struct rb_demo_legacy *lg)
{
	rb_stmt *st;

	if ((st = prepare(ds, Q_LEGACY_ADD)) == NULL)
		return -1;
	rb_stmt_bind_text(st, 1, lg->lg_old_customer_id, -1);
	rb_stmt_bind_int(st, 2, lg->lg_contract_id);
	rb_stmt_bind_text(st, 3, lg->lg_hash, -1);
	bind_int_or_null(st, 4, lg->lg_migrated_at);
	rb_stmt_bind_int(st, 5, lg->lg_src_line);
	return finish(st, NULL);
}

/* Buffered rows. */

int
rb_demo_store_reading(rb_demo_store *ds, const struct rb_demo_reading *re)
{
	struct rows *rw = &ds->ds_bulk[B_READINGS];
	struct cell *c = rows_add(rw);

	put_int(&c[0], re->re_meter_id);
	put_text(rw, &c[1], re->re_read_on);
	put_int(&c[2], re->re_index_litres);
	put_text(rw, &c[3], re->re_source);
	return bulk_full(ds, B_READINGS);
}

int
rb_demo_store_invoice(rb_demo_store *ds, const struct rb_demo_invoice *iv,
    const struct rb_demo_line *lines, int nlines,
    const struct rb_demo_payment *pa)
{
	struct rows *rw = &ds->ds_bulk[B_INVOICES], *w;
	const struct rb_demo_line *li;
	int slot = rw->rw_n, i;
	struct cell *c;

	c = rows_add(rw);
	put_text(rw, &c[0], iv->iv_number);	/* see invoice_returned() */
	put_int(&c[1], iv->iv_contract_id);
	put_text(rw, &c[2], iv->iv_contract_number);
	put_int(&c[3], iv->iv_archived);
	put_text(rw, &c[4], iv->iv_period_start);
	put_text(rw, &c[5], iv->iv_period_end);
	put_int(&c[6], iv->iv_old_index_litres);
	put_int(&c[7], iv->iv_new_index_litres);
	put_text(rw, &c[8], iv->iv_old_read_on);
	put_text(rw, &c[9], iv->iv_new_read_on);
	put_text(rw, &c[10], iv->iv_old_read_kind);
	put_text(rw, &c[11], iv->iv_new_read_kind);
	put_int(&c[12], iv->iv_volume_litres);
	put_int(&c[13], iv->iv_amount_excl_tax_cents);
	put_int(&c[14], iv->iv_vat_cents);
	put_int(&c[15], iv->iv_total_cents);
	put_text(rw, &c[16], iv->iv_issued_on);
	put_text(rw, &c[17], iv->iv_due_on);
	put_text(rw, &c[18], iv->iv_status);
	put_text(rw, &c[19], iv->iv_src_system);
	put_text(rw, &c[20], iv->iv_src_batch);

	w = &ds->ds_lines_wait;
	for (i = 0; i < nlines; i++) {
		li = &lines[i];
		c = rows_add(w);
		put_int(&c[0], slot);		/* the invoice, for now */
		put_int(&c[1], li->li_position);
		put_text(w, &c[2], li->li_heading);
		put_text(w, &c[3], li->li_tariff_code);
		put_text(w, &c[4], li->li_label);
		put_text(w, &c[5], li->li_period_start);
		put_text(w, &c[6], li->li_period_end);
		put_int(&c[7], li->li_quantity);
		put_text(w, &c[8], li->li_quantity_unit);
		put_int(&c[9], li->li_unit_price_c100);
		put_int(&c[10], li->li_amount_excl_tax_cents);
		put_int(&c[11], li->li_vat_rate_bp);
		put_int(&c[12], li->li_vat_cents);
	}
	if (pa != NULL) {
		w = &ds->ds_payments_wait;
		c = rows_add(w);
		put_int(&c[0], slot);
		put_int(&c[1], pa->pa_amount_cents);
		put_text(w, &c[2], pa->pa_method);
		put_text(w, &c[3], pa->pa_provider);
		put_text(w, &c[4], pa->pa_provider_ref);
		put_text(w, &c[5], pa->pa_status);
		put_int(&c[6], pa->pa_created_at);
	}
	return rw->rw_n < INVOICES_ROWS ? 0 : invoices_write(ds);
}
