//! Enumerated columns: each domain enum is stored as its `as_str()` text (the same text on both
//! backends) and read back into the enum. A stored value that is not a known variant is a
//! deserialization error — the request fails with a logged `500` — never a default.
//!
//! The impls are what `#[derive(AsExpression, FromSqlRow)]` would write, kept here so that the
//! domain types carry no diesel attribute; `Bound` is the bound-value type that diesel's own
//! derives name by this path.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::expression::AsExpression;
use diesel::internal::derives::as_expression::Bound;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{Nullable, Text};

use crate::domain::account::{OrganisationKind, Role, TokenPurpose};
use crate::domain::case::{Intervention, Status};
use crate::domain::community::{AttestationStance, ObservationKind, Visibility};
use crate::domain::decision::{AttachmentSide, CriterionOutcome, Decision, RecommendationKind, ScreeningCriterion};
use crate::domain::monitoring::{
    ConditionCategory, ConditionStatus, EnforcementKind, EvidenceOutcome, MilestoneKind, MilestoneStatus,
};
use crate::email::DeliveryStatus;

/// Implements the text mapping for each enum named. Each must have `as_str(self) -> &'static str`
/// and `FromStr`.
macro_rules! text_enum {
    ($($ty:ty),+ $(,)?) => {$(
        impl<DB: Backend> FromSql<Text, DB> for $ty
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let raw = <String as FromSql<Text, DB>>::from_sql(bytes)?;
                raw.parse::<$ty>().map_err(|_| {
                    format!("unknown {} {:?} in the database", stringify!($ty), raw).into()
                })
            }
        }

        impl<DB: Backend> ToSql<Text, DB> for $ty
        where
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                <str as ToSql<Text, DB>>::to_sql(self.as_str(), out)
            }
        }

        impl<DB: Backend> Queryable<Text, DB> for $ty
        where
            $ty: FromSql<Text, DB>,
        {
            type Row = Self;
            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }

        impl AsExpression<Text> for $ty {
            type Expression = Bound<Text, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<'a> AsExpression<Text> for &'a $ty {
            type Expression = Bound<Text, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl AsExpression<Nullable<Text>> for $ty {
            type Expression = Bound<Nullable<Text>, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<'a> AsExpression<Nullable<Text>> for &'a $ty {
            type Expression = Bound<Nullable<Text>, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }
    )+};
}

text_enum!(
    TokenPurpose,
    DeliveryStatus,
    Status,
    Intervention,
    Role,
    OrganisationKind,
    Decision,
    ScreeningCriterion,
    CriterionOutcome,
    RecommendationKind,
    ConditionCategory,
    ConditionStatus,
    MilestoneKind,
    MilestoneStatus,
    EvidenceOutcome,
    EnforcementKind,
    AttestationStance,
    ObservationKind,
    Visibility,
    AttachmentSide,
);
