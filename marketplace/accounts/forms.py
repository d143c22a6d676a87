"""Account forms."""

from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from .. import vocab
from ..core.forms import Form, choices
from .models import SELF_SERVICE_ROLES

REQUIRED = "此项为必填项。"


class LoginForm(Form):
    email = EmailField("邮箱", validators=[DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField("密码", validators=[DataRequired(REQUIRED), Length(max=1000)])
    next = HiddenField()


class RegisterForm(Form):
    role = SelectField(
        "注册身份",
        choices=[(role.value, vocab.ROLES[role]) for role in SELF_SERVICE_ROLES],
        validators=[DataRequired(REQUIRED)],
    )
    name = StringField(
        "姓名", validators=[DataRequired(REQUIRED), Length(max=100, message="姓名不能超过 100 个字符。")]
    )
    email = EmailField(
        "邮箱", validators=[DataRequired(REQUIRED), Email("请输入有效的邮箱地址。"), Length(max=254)]
    )
    password = PasswordField("密码（至少 8 位）", validators=[DataRequired(REQUIRED)])
    confirm = PasswordField(
        "确认密码", validators=[DataRequired(REQUIRED), EqualTo("password", "两次输入的密码不一致。")]
    )
    org_name = StringField(
        "单位名称",
        validators=[DataRequired(REQUIRED), Length(max=200, message="单位名称不能超过 200 个字符。")],
    )
    org_kind = SelectField("单位类型", choices=choices(vocab.ORG_KINDS), validators=[DataRequired(REQUIRED)])
    org_city = SelectField("所在城市", choices=choices(vocab.ALL_CITIES))
    credit_code = StringField(
        "统一社会信用代码（选填）", validators=[Optional(), Length(max=18, message="应为 18 位。")]
    )


class ChangePasswordForm(Form):
    current_password = PasswordField("当前密码", validators=[DataRequired(REQUIRED)])
    new_password = PasswordField("新密码（至少 8 位）", validators=[DataRequired(REQUIRED)])
    confirm = PasswordField(
        "确认新密码", validators=[DataRequired(REQUIRED), EqualTo("new_password", "两次输入的密码不一致。")]
    )
    revoke_tokens = BooleanField("同时撤销我的全部 API 令牌（怀疑密码泄露时请保留勾选）", default=True)


class ContactForm(Form):
    phone = StringField(
        "联系电话（对方接受咨询、预约或订单后可见）",
        validators=[Optional(), Length(max=30, message="不能超过 30 个字符。")],
    )


class ForgotPasswordForm(Form):
    email = EmailField("注册邮箱", validators=[DataRequired(REQUIRED), Email("请输入有效的邮箱地址。")])


class ResetPasswordForm(Form):
    new_password = PasswordField("新密码（至少 8 位）", validators=[DataRequired(REQUIRED)])
    confirm = PasswordField(
        "确认新密码", validators=[DataRequired(REQUIRED), EqualTo("new_password", "两次输入的密码不一致。")]
    )


class ApiTokenForm(Form):
    name = StringField("令牌名称", validators=[DataRequired(REQUIRED), Length(max=100)])
